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

/// The HS256 secret: `GAZETTE_JWT_SECRET` when set, otherwise a random secret kept
/// in the data directory (created on first use, readable only by its owner).
pub fn jwt_secret(data_dir: &Path) -> anyhow::Result<String> {
    if let Ok(secret) = std::env::var("GAZETTE_JWT_SECRET")
        && !secret.trim().is_empty()
    {
        return Ok(secret);
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
pub fn secret_source(data_dir: &Path) -> String {
    if std::env::var("GAZETTE_JWT_SECRET").is_ok_and(|s| !s.trim().is_empty()) {
        "GAZETTE_JWT_SECRET".to_string()
    } else {
        secret_path(data_dir).display().to_string()
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
pub fn course_catalog(library: &gazette_site::content::Library) -> gazette_core::domain::CourseCatalog {
    use gazette_site::content::Kind;
    let midnight = |date: jiff::civil::Date| {
        date.to_datetime(jiff::civil::Time::midnight()).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).ok().map(|z| z.timestamp())
    };
    let courses = library.of_kind(Kind::Course).filter_map(|page| {
        let course = page.course()?;
        let closes_on = course.registration_closes.or(course.registration_opens.map(|_| course.start))?;
        Some(gazette_core::domain::Course {
            slug: page.slug.clone(),
            title: page.title.clone(),
            capacity: course.capacity,
            opens: course.registration_opens.and_then(midnight),
            closes: closes_on.tomorrow().ok().and_then(midnight),
        })
    });
    gazette_core::domain::CourseCatalog::new(courses)
}

/// The functions' router for `gazette serve`: the same handlers as the Lambdas,
/// on the embedded store in `data_dir` (or DynamoDB when `TABLE_NAME` is set).
pub async fn api_router(root: &Path, data_dir: &Path) -> anyhow::Result<axum::Router> {
    let library = gazette_site::build::load_checked(root)?;
    let mut config = gazette_core::Config::from_env();
    if let gazette_core::StoreConfig::Embedded { data_dir: dir } = &mut config.store {
        *dir = data_dir.join("store");
    }
    let store = config.open_store().await.context("opening the store")?;
    let auth = gazette_core::http::AuthConfig::hs256(jwt_secret(data_dir)?);
    let deadlines = config.load_plan_deadlines().context("reading PLAN_DEADLINES")?;
    Ok(gazette_core::config::app_router(store, course_catalog(&library), deadlines, auth, gazette_core::domain::system_clock()))
}

/// Where the data lives, for the start-up message.
pub fn describe_store(data_dir: &Path) -> String {
    match std::env::var("TABLE_NAME") {
        Ok(table) if !table.trim().is_empty() => format!("DynamoDB table {table}"),
        _ => format!("embedded store in {}", data_dir.join("store").display()),
    }
}
