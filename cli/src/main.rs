//! `gazette`: the one command for editors, operators and developers. A thin layer
//! over the libraries: parse arguments, call them, print results and errors.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use gazette_site::content::Kind;
use gazette_site::{build, scaffold, serve, BuildError};

#[derive(Parser)]
#[command(name = "gazette", version, about = "Publish notices, courses, policies and cases from Markdown, and take in what readers submit")]
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
                Err(error) => Ok(report_build_error(error)),
            }
        }
        Command::Check => match build::load_checked(&root) {
            Ok(library) => {
                println!("OK: {} pages checked, no errors.", library.pages().len());
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => Ok(report_build_error(error)),
        },
        Command::Serve { port, out } => {
            let out = if out.is_absolute() { out } else { root.join(out) };
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            match runtime.block_on(serve::serve(root, out, port, None)) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(serve::ServeError::Build(error)) => Ok(report_build_error(error)),
                Err(error) => Err(error.into()),
            }
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

/// Content errors are the user's to fix: list them all, one per line, like a compiler.
fn report_build_error(error: BuildError) -> ExitCode {
    if let BuildError::Content(errors) = &error {
        for e in errors {
            eprintln!("{e}");
        }
    }
    eprintln!("error: {error}");
    ExitCode::FAILURE
}
