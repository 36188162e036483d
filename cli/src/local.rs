//! Local development wiring: where the embedded store and the signing secret for
//! development tokens live, so that `gazette serve` and `gazette token` agree
//! without any set-up.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::Rng;

const SECRET_FILE: &str = "dev-jwt-secret";

fn secret_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SECRET_FILE)
}

/// The functions' configuration on this machine: the environment (read once, see
/// `gazette_core::config`) over this machine's defaults — the embedded store and an
/// attachment folder under `data_dir`, upload links on `port`.
pub fn functions_config(data_dir: &Path, port: u16) -> anyhow::Result<gazette_core::Config> {
    let defaults = gazette_core::config::Defaults {
        data_dir: data_dir.to_path_buf(),
        api_base_url: format!("http://127.0.0.1:{port}/api"),
    };
    Ok(gazette_core::Config::from_env(defaults)?)
}

/// The HS256 secret: `GAZETTE_JWT_SECRET` when set, otherwise a random secret kept
/// in the data directory (created on first use, readable only by its owner).
pub fn jwt_secret(config: &gazette_core::Config, data_dir: &Path) -> anyhow::Result<String> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let path = secret_path(data_dir);
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().to_string());
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let secret: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(48).map(char::from).collect();
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}

/// Where [`jwt_secret`] takes the secret from, for messages.
pub fn secret_source(config: &gazette_core::Config, data_dir: &Path) -> String {
    match config.jwt_secret {
        Some(_) => "GAZETTE_JWT_SECRET".to_string(),
        None => secret_path(data_dir).display().to_string(),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The courses that take registrations, as the functions see them: those with a
/// registration window in their front matter. The window runs from the opening
/// day's midnight to the end of the closing day, Beijing time, as the site shows it.
pub fn course_catalog(library: &gazette_site::content::Library) -> gazette_core::workflows::CourseCatalog {
    use gazette_site::content::Kind;
    let midnight = gazette_core::lifecycle::time::start_of;
    let courses = library.of_kind(Kind::Course).filter_map(|page| {
        let course = page.course()?;
        let closes_on = course.registration_closes.or(course.registration_opens.map(|_| course.start))?;
        Some(gazette_core::workflows::Course {
            slug: page.slug.clone(),
            title: page.title.clone(),
            capacity: course.capacity,
            opens: course.registration_opens.and_then(midnight),
            closes: closes_on.tomorrow().ok().and_then(midnight),
            study: study_of(library, page, course),
        })
    });
    gazette_core::workflows::CourseCatalog::new(courses)
}

/// How a course is studied, for its learning records: hours, 必修/选修, mode, first
/// day, organising unit and its lessons (Markdown files in its bundle).
fn study_of(
    library: &gazette_site::content::Library,
    page: &gazette_site::content::Page,
    course: &gazette_site::content::CourseMeta,
) -> gazette_core::workflows::Study {
    use gazette_core::workflows::{Lesson, Study, StudyMode};
    Study {
        hours: course.hours,
        required: course.required,
        mode: StudyMode::from_label(&course.mode).unwrap_or_default(),
        starts: Some(course.start),
        organiser: course.organiser.clone(),
        lessons: library
            .lessons_of(&page.slug)
            .map(|l| Lesson { slug: l.slug.clone(), title: l.title.clone(), duration_secs: l.duration_secs })
            .collect(),
    }
}

/// The training-plan deadlines the notices announce: a notice asking for the
/// `training-plan` form with a deadline calls for the next year's plans (seed 001:
/// the 2023 plans were due on 2022-11-14). `PLAN_DEADLINES` overrides them.
pub fn plan_deadlines(library: &gazette_site::content::Library) -> gazette_core::workflows::PlanDeadlines {
    use gazette_site::content::Kind;
    let deadlines = library.of_kind(Kind::Notice).filter_map(|page| {
        let notice = page.notice()?;
        let deadline = notice.deadline.filter(|_| notice.form.as_deref() == Some("training-plan"))?;
        Some((i32::from(deadline.year()) + 1, deadline))
    });
    gazette_core::workflows::PlanDeadlines::new(deadlines)
}

/// The functions' router for `gazette serve`: the same router as the Lambdas, with
/// what the environment leaves unset taken from this machine — the development
/// secret, the course catalogue of `content/courses/`, the plan deadlines of the
/// notices.
pub async fn api_router(root: &Path, data_dir: &Path, port: u16, dev_sign_in: bool) -> anyhow::Result<axum::Router> {
    let (library, _) = gazette_site::build::load_checked(root)?;
    let mut config = functions_config(data_dir, port)?;
    config.dev_sign_in |= dev_sign_in;
    config.jwt_secret = Some(jwt_secret(&config, data_dir)?);
    config.course_catalog.get_or_insert_with(|| course_catalog(&library));
    config.plan_deadlines.get_or_insert_with(|| plan_deadlines(&library));
    config.router().await.context("setting up the functions")
}

/// Which regional uploads an export writes.
#[derive(Debug, Clone, Copy)]
pub enum Uploads {
    /// Typical cases → `content/cases/`.
    Cases,
    /// Local policy documents → `content/policies/`.
    Policies,
}

/// `gazette cases export`, `gazette policies export`: approved uploads → bundles in
/// `content/cases/` or `content/policies/`.
pub fn export_uploads(root: &Path, data_dir: &Path, which: Uploads) -> anyhow::Result<gazette_core::ExportReport> {
    let config = functions_config(data_dir, 1111)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = config.open_store().await.context("opening the store")?;
        let files = config.open_attachments().await.context("opening the attachment storage")?;
        let written = match which {
            Uploads::Cases => gazette_core::export_approved_cases(store, files, &root.join("content/cases")).await,
            Uploads::Policies => {
                gazette_core::export_approved_policies(store, files, &root.join("content/policies")).await
            }
        };
        written.map_err(anyhow::Error::from)
    })
}

/// `gazette accounts create-admin`: a national administrator, with its one-time
/// password — in the store, or in the Cognito user pool when `GAZETTE_USER_POOL_ID`
/// and `GAZETTE_USER_POOL_CLIENT_ID` name one (with `TABLE_NAME` for its listing).
pub fn create_admin(
    data_dir: &Path,
    username: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
) -> anyhow::Result<gazette_core::accounts::Created> {
    use gazette_core::accounts::{Grant, NewAccount, Role, Scope};
    let config = functions_config(data_dir, 1111)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = config.open_store().await.context("opening the store (is `gazette serve` running on it?)")?;
        let new = NewAccount {
            username,
            name,
            email,
            phone,
            grants: vec![Grant::new(Role::NationalAdmin, None, None)],
            steward: Scope::National,
            pending: false,
        };
        config.open_accounts(store).await.create("cli", new).await.map_err(|e| match e.message_zh() {
            (Some(field), message) => anyhow::anyhow!("{field}: {message}"),
            (None, message) => anyhow::anyhow!("{message}"),
        })
    })
}

/// Where the data lives, for the start-up message.
pub fn describe_store(config: &gazette_core::Config) -> String {
    match &config.store {
        gazette_core::StoreConfig::Dynamo { table } => format!("DynamoDB table {table}"),
        gazette_core::StoreConfig::Embedded { data_dir } => format!("embedded store in {}", data_dir.display()),
    }
}
