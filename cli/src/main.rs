//! `gazette`: the one command for editors, operators and developers. A thin layer
//! over the libraries: parse arguments, call them, print results and errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod local;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use gazette_site::config::Language;
use gazette_site::content::Kind;
use gazette_site::{BuildError, Config, build, scaffold, serve};

/// mimalloc rather than the system allocator: a build allocates and frees
/// small strings and maps on every thread at once (see `bench/`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "gazette",
    version,
    about = "Publish notices, courses, policies and cases from Markdown, and take in what readers submit"
)]
struct Cli {
    /// Project root holding gazette.toml, content/, templates/ and static/.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the static site from content/.
    Build {
        /// Output folder; emptied first.
        #[arg(long, default_value = "public")]
        out: PathBuf,
    },
    /// Check all content and list every error as file:line: field: message.
    Check,
    /// Build, serve on 127.0.0.1 and rebuild on every change.
    Serve {
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Output folder; emptied first.
        #[arg(long, default_value = "public")]
        out: PathBuf,
        /// Where the functions keep their data (embedded store, development secret).
        /// Set TABLE_NAME to use DynamoDB instead.
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
        /// Development switch: the sign-in page also offers a role picker minting
        /// development tokens (never on a shared or public server). Also
        /// GAZETTE_DEV_SIGN_IN=1.
        #[arg(long)]
        dev_sign_in: bool,
    },
    /// Accounts of the functions (the embedded store, or DynamoDB with TABLE_NAME).
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Mint a development token for the functions and print it on the last line.
    Token {
        /// filler, unit-admin, regional-admin, national-admin or organiser.
        #[arg(long)]
        role: String,
        /// The unit (单位) the token acts for: fillers and unit admins.
        #[arg(long)]
        unit: Option<String>,
        /// The region (省份) the token acts for: regional admins.
        #[arg(long)]
        region: Option<String>,
        /// Hours until it expires.
        #[arg(long, default_value_t = 12)]
        hours: u64,
        /// Where the local data (and the development signing secret) live.
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
    /// Print the course catalogue the functions read (COURSE_CATALOG) as JSON: every
    /// course of content/courses/ with a registration window.
    CourseCatalog,
    /// Typical cases submitted through the site.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Local policy documents uploaded through the site (地方政策).
    Policies {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Create a content file with every field stubbed.
    New {
        kind: NewKind,
        title: String,
        /// File name and URL (lowercase pinyin or English); required for Chinese titles.
        #[arg(long)]
        slug: Option<String>,
    },
}

#[derive(Subcommand)]
enum CasesCommand {
    /// Write every approved upload (typical case, local policy) to content/cases/ or
    /// content/policies/ as a page bundle, ready to review and commit. Never
    /// overwrites; exported uploads are not written again.
    Export {
        /// Where the local data live (ignored when TABLE_NAME is set).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Create a national administrator and print its one-time password (to be
    /// changed at first sign-in). The first administrator is made this way; the
    /// others by administrators on the site. Run it while `gazette serve` is stopped
    /// (the embedded store admits one process).
    CreateAdmin {
        /// The account's username: 3–64 lowercase letters, digits, `.`, `-`, `_`.
        #[arg(long)]
        username: String,
        /// The person's name (姓名).
        #[arg(long)]
        name: String,
        /// E-mail address, where later messages go.
        #[arg(long)]
        email: Option<String>,
        /// Mobile number (11 digits).
        #[arg(long)]
        phone: Option<String>,
        /// Where the local data live (ignored when TABLE_NAME is set).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum NewKind {
    Notice,
    Course,
    Policy,
    Case,
}

impl From<NewKind> for Kind {
    fn from(kind: NewKind) -> Kind {
        match kind {
            NewKind::Notice => Kind::Notice,
            NewKind::Course => Kind::Course,
            NewKind::Policy => Kind::Policy,
            NewKind::Case => Kind::Case,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root;
    match cli.command {
        Command::Build { out } => {
            let out = if out.is_absolute() { out } else { root.join(out) };
            match gazette_site::build_site(&root, &out) {
                Ok(report) => {
                    println!("{}", serve::summary_line(&report));
                    println!("Output: {}", out.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Ok(report_build_error(&root, error)),
            }
        }
        Command::Check => match build::load_checked(&root) {
            Ok((library, _)) => {
                let pages = library.pages().len();
                match site_language(&root) {
                    Language::Zh => println!("OK: 已检查 {pages} 个页面，没有错误。"),
                    Language::En => println!("OK: {pages} pages checked, no errors."),
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => Ok(report_build_error(&root, error)),
        },
        Command::Serve { port, out, data_dir, dev_sign_in } => {
            let out = if out.is_absolute() { out } else { root.join(out) };
            let data_dir = if data_dir.is_absolute() { data_dir } else { root.join(data_dir) };
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let api = match runtime.block_on(local::api_router(&root, &data_dir, port, dev_sign_in)) {
                Ok(api) => api,
                Err(error) => match error.downcast::<BuildError>() {
                    Ok(build_error) => return Ok(report_build_error(&root, build_error)),
                    Err(other) => return Err(other),
                },
            };
            println!(
                "Functions under /api/ on the {}",
                local::describe_store(&local::functions_config(&data_dir, port)?)
            );
            println!(
                "Sign in at http://127.0.0.1:{port}/api/web/sign-in (the first administrator: gazette accounts create-admin)"
            );
            if dev_sign_in || std::env::var("GAZETTE_DEV_SIGN_IN").is_ok_and(|v| v.trim() == "1") {
                println!(
                    "Development sign-in is ON: the sign-in page offers every role without a password (--dev-sign-in)"
                );
            }
            match runtime.block_on(serve::serve(root.clone(), out, port, Some(api))) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(serve::ServeError::Build(error)) => Ok(report_build_error(&root, error)),
                Err(error) => Err(error.into()),
            }
        }
        Command::Accounts { command: AccountsCommand::CreateAdmin { username, name, email, phone, data_dir } } => {
            let data_dir = if data_dir.is_absolute() { data_dir } else { root.join(data_dir) };
            let created = local::create_admin(&data_dir, username, name, email, phone)?;
            eprintln!(
                "National administrator {} created. Sign in at /api/web/sign-in with this one-time password and choose a new one:",
                created.account.username
            );
            println!("{}", created.one_time_password.unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { role, unit, region, hours, data_dir } => {
            let role = gazette_core::http::Role::parse(&role).with_context(|| {
                format!("unknown role \"{role}\": use filler, unit-admin, regional-admin, national-admin or organiser")
            })?;
            let data_dir = if data_dir.is_absolute() { data_dir } else { root.join(data_dir) };
            let config = local::functions_config(&data_dir, 1111)?;
            let secret = local::jwt_secret(&config, &data_dir)?;
            let ttl = std::time::Duration::from_secs(hours * 3600);
            let token =
                gazette_core::http::mint_dev_token(secret.as_bytes(), role, unit.as_deref(), region.as_deref(), ttl);
            eprintln!(
                "{} token, valid {hours} h, signed with the secret in {}:",
                role.as_str(),
                local::secret_source(&config, &data_dir)
            );
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::CourseCatalog => match build::load_checked(&root) {
            Ok((library, _)) => {
                let catalog = local::course_catalog(&library);
                let courses: Vec<_> = catalog.iter().collect();
                println!("{}", serde_json::to_string_pretty(&courses)?);
                eprintln!("{} course(s) take registrations.", courses.len());
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => Ok(report_build_error(&root, error)),
        },
        Command::Cases { command: CasesCommand::Export { data_dir } } => {
            let data_dir = if data_dir.is_absolute() { data_dir } else { root.join(data_dir) };
            let report = local::export_uploads(&root, &data_dir, local::Uploads::Cases)?;
            Ok(print_export(&report, "case(s)", "content/cases"))
        }
        Command::Policies { command: CasesCommand::Export { data_dir } } => {
            let data_dir = if data_dir.is_absolute() { data_dir } else { root.join(data_dir) };
            let report = local::export_uploads(&root, &data_dir, local::Uploads::Policies)?;
            Ok(print_export(&report, "policy document(s)", "content/policies"))
        }
        Command::New { kind, title, slug } => {
            let slug = slug.unwrap_or_else(|| scaffold::slug_from_title(&title));
            let path = scaffold::create(&root, kind.into(), &title, &slug, build::today()?)?;
            println!("Created {}", path.display());
            println!("Fill in the empty fields, then run `gazette check`.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The language editors read messages in: the site's (`language` in
/// gazette.toml), Chinese when the config cannot be read.
fn site_language(root: &Path) -> Language {
    Config::load(root).map(|config| config.language).unwrap_or_default()
}

/// Content errors are the user's to fix: list them all, one per line, like a
/// compiler, in the site's language.
fn report_build_error(root: &Path, error: BuildError) -> ExitCode {
    if let BuildError::Content(errors) = &error {
        let language = site_language(root);
        for e in errors {
            eprintln!("{}", e.localized(language));
        }
        if language == Language::Zh {
            eprintln!("错误：以上列出 {} 处内容错误，未写出任何文件", errors.len());
            return ExitCode::FAILURE;
        }
    }
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    /// The arguments after `cargo run [options] --`, or after a leading `gazette`, of
    /// one line of a shell block: up to a pipe, redirection, `&&`, `;`, `)` or comment.
    fn gazette_args(line: &str) -> Option<Vec<String>> {
        let rest = match line.find("cargo run") {
            Some(at) => line[at..].split_once(" -- ")?.1,
            None => line.trim_start().strip_prefix("gazette ")?,
        };
        let mut args = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in rest.chars() {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => args.extend((!word.is_empty()).then(|| std::mem::take(&mut word))),
                '|' | '>' | '&' | ';' | ')' | '#' if !quoted => break,
                c => word.push(c),
            }
        }
        args.extend((!word.is_empty()).then_some(word));
        Some(args)
    }

    /// Every line of the fenced code blocks of a Markdown text.
    fn code_lines(markdown: &str) -> Vec<&str> {
        let mut inside = false;
        let mut lines = Vec::new();
        for line in markdown.lines() {
            if line.trim_start().starts_with("```") {
                inside = !inside;
            } else if inside {
                lines.push(line);
            }
        }
        lines
    }

    #[test]
    fn every_command_the_readmes_show_parses() {
        let readmes = [
            ("README.md", include_str!("../../README.md")),
            ("functions/README.md", include_str!("../../functions/README.md")),
        ];
        let mut checked = 0;
        for (file, text) in readmes {
            for line in code_lines(text) {
                let Some(args) = gazette_args(line) else { continue };
                let parsed = Cli::try_parse_from(std::iter::once("gazette".to_string()).chain(args.clone()));
                assert!(parsed.is_ok(), "{file}: `{}` is a usage error:\n{}", line.trim(), parsed.err().unwrap());
                checked += 1;
            }
        }
        // Issue 15, point 11: the Lambda section's token command among them.
        assert!(checked >= 8, "only {checked} commands found");
        assert!(Cli::try_parse_from(["gazette", "token", "organiser"]).is_err(), "the old wording is a usage error");
    }

    #[test]
    fn arguments_are_read_as_the_shell_would() {
        let line = r#"TOKEN=$(GAZETTE_JWT_SECRET=dev-secret cargo run -q -- token --role organiser | tail -1)"#;
        assert_eq!(gazette_args(line).unwrap(), ["token", "--role", "organiser"]);
        assert_eq!(
            gazette_args(r#"gazette new notice "关于 培训" --slug x  # comment"#).unwrap(),
            ["new", "notice", "关于 培训", "--slug", "x"]
        );
        assert_eq!(gazette_args("curl http://127.0.0.1/"), None);
    }
}

/// What an export wrote and skipped, and what to do next.
fn print_export(report: &gazette_core::ExportReport, what: &str, dir: &str) -> ExitCode {
    for written in &report.written {
        println!("wrote {}", written.path.display());
    }
    for skipped in &report.skipped {
        eprintln!("skipped {}: {}", skipped.id, skipped.reason);
    }
    println!("{} {what} exported, {} skipped.", report.written.len(), report.skipped.len());
    if !report.written.is_empty() {
        println!("Next: gazette check, review `git diff {dir}`, then commit to publish.");
    }
    if report.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
