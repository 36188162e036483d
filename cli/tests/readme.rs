//! The README's "Running the functions as Lambdas locally" commands, run as written:
//! each line of its shell block that runs `cargo run … -- ARGS` goes through `sh`
//! with `cargo run` standing for the `gazette` binary under test, in a fresh folder.
//! Issue 15, point 11: the section once ran `gazette token organiser`, a usage error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The lines of the first shell block after the heading `heading` of README.md.
fn section_commands(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let section = readme.split_once(heading).unwrap_or_else(|| panic!("README has no section {heading:?}")).1;
    let block = section.split_once("```sh\n").expect("a shell block").1;
    let block = block.split_once("```").expect("the block ends").0;
    block.lines().map(str::to_owned).collect()
}

/// Runs `line` with `sh`, `cargo run [options] -- ARGS` meaning `gazette --root REPO
/// ARGS`, in `dir`; then prints the variables named in `print`.
fn run(line: &str, dir: &Path, print: &str) -> (bool, String, String) {
    let shim = r#"cargo() { while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done; shift; "$GAZETTE" --root "$REPO" "$@"; }"#;
    let script = format!("set -e\n{shim}\n{line}\n{print}");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("GAZETTE", env!("CARGO_BIN_EXE_gazette"))
        .env("REPO", repo())
        .env_remove("GAZETTE_JWT_SECRET")
        .env_remove("TABLE_NAME")
        .env_remove("COURSE_CATALOG")
        .output()
        .expect("run sh");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_lambda_sections_commands_work_as_written() {
    let lines = section_commands("### Running the functions as Lambdas locally");
    let gazette_lines: Vec<&String> = lines.iter().filter(|l| l.contains("cargo run")).collect();
    assert_eq!(gazette_lines.len(), 2, "the course catalogue and a token: {lines:#?}");
    let dir = tempfile::tempdir().expect("temp dir");

    let catalog_line = gazette_lines.iter().find(|l| l.contains("course-catalog")).expect("the catalogue line");
    let (ok, _, err) = run(catalog_line, dir.path(), "");
    assert!(ok, "`{catalog_line}` failed:\n{err}");
    let written =
        std::fs::read_to_string(dir.path().join("data/lambda/course-catalog.json")).expect("catalogue written");
    let catalog: serde_json::Value = serde_json::from_str(&written).expect("the catalogue is JSON");
    assert!(catalog.as_array().is_some_and(|c| !c.is_empty()), "{written}");

    let token_line = gazette_lines.iter().find(|l| l.contains("token")).expect("the token line");
    let (ok, out, err) = run(token_line, dir.path(), r#"printf '%s' "$TOKEN""#);
    assert!(ok, "`{token_line}` failed:\n{err}");
    // The token verifies with the secret the line sets, as an organiser's.
    let secret = token_line.split("GAZETTE_JWT_SECRET=").nth(1).and_then(|s| s.split_whitespace().next()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let claims = runtime.block_on(gazette_core::http::AuthConfig::hs256(secret).check(out.trim()));
    assert_eq!(claims.ok().map(|c| c.role), Some(gazette_core::http::Role::Organiser), "token {out:?}; stderr {err}");
}
