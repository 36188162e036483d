//! `gazette new <kind> "title"`: a new content file with every field stubbed, so
//! an editor fills in blanks instead of remembering field names.

use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::content::{CONTENT_DIR, Kind};

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{0} already exists: choose another --slug or edit that file")]
    Exists(PathBuf),
    #[error("slug \"{0}\" must be lowercase letters, digits and hyphens (pinyin or short English); pass --slug")]
    BadSlug(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The front matter and a starter body for one kind, dated `today`.
pub fn template(kind: Kind, title: &str, today: Date) -> String {
    let title = title.replace('\\', "\\\\").replace('"', "\\\"");
    let front = match kind {
        Kind::Notice | Kind::Policy => {
            let mut text = format!(
                "title = \"{title}\"\n\
                 # doc_number = \"国科办监〔2022〕83号\"  # 发文字号; uncomment and fill in if the notice has one\n\
                 issuers = [\"\"]                     # 发文机关, one or more: fill in\n\
                 written = {today}                  # 成文日期\n\
                 published = {today}                # 发布日期\n\
                 disclosure = \"主动公开\"              # 主动公开 | 依申请公开\n\
                 topics = []\n\
                 # deadline = {today}               # optional\n\
                 # form = \"registration\"            # optional: a form in content/forms/\n\
                 # course = \"\"                      # optional: the course slug it registers for\n\
                 \n\
                 # [[attachments]]                  # files go beside index.md in a bundle folder\n\
                 # title = \"\"\n\
                 # file = \"\"\n\
                 \n\
                 # [[contacts]]                     # optional, one table per contact person\n\
                 # name = \"\"\n\
                 # org = \"\"\n\
                 # phone = \"\"\n\
                 # email = \"\"\n"
            );
            if kind == Kind::Policy {
                text = text.replacen(
                    "topics = []\n",
                    "topics = []\nstatus = \"现行有效\"                # 现行有效 | 已被替代 | 已失效\n# supersedes = \"\"                 # slug of the policy this one replaces\n# superseded_by = \"\"\n",
                    1,
                );
            }
            text
        }
        Kind::Course => format!(
            "title = \"{title}\"\n\
             category = \"\"                      # fill in\n\
             kind = \"专业技术研修班\"              # 专业技术研修班 | 专项技术短期培训班 | 学术讲坛 | 案例课 | 专题培训\n\
             tier = \"所级\"                       # 所级 | 院级培育 | 精品 | 高研\n\
             required = false                   # 必修 true / 选修 false\n\
             hours = 0.0                        # 学时\n\
             start = {today}\n\
             end = {today}\n\
             mode = \"线上\"                       # 线上 | 线下 | 线上线下\n\
             # place = \"\"                     # optional\n\
             # capacity = 100                   # omit for unlimited\n\
             # registration_opens = {today}\n\
             # registration_closes = {today}\n\
             provider = \"\"                      # fill in\n\
             recommended = false\n"
        ),
        Kind::Case => format!(
            "title = \"{title}\"\n\
             region = \"\"\n\
             provider = \"\"\n\
             category = \"\"                      # fill in\n\
             date = {today}\n\
             summary = \"\"\n"
        ),
    };
    let body = match kind {
        Kind::Policy => "## 一、总体要求\n\n### （一）指导思想\n\n正文。\n",
        Kind::Course => "课程介绍。\n",
        _ => "正文。\n",
    };
    format!("+++\n{front}+++\n\n{body}")
}

/// Writes `content/<kind>/<slug>.md` and returns its path. Never overwrites.
pub fn create(root: &Path, kind: Kind, title: &str, slug: &str, today: Date) -> Result<PathBuf, ScaffoldError> {
    let valid = !slug.is_empty() && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(ScaffoldError::BadSlug(slug.to_string()));
    }
    let dir = root.join(CONTENT_DIR).join(kind.dir());
    let path = dir.join(format!("{slug}.md"));
    if path.exists() || dir.join(slug).exists() {
        return Err(ScaffoldError::Exists(path));
    }
    std::fs::create_dir_all(&dir).map_err(|source| ScaffoldError::Io { path: dir.clone(), source })?;
    std::fs::write(&path, template(kind, title, today))
        .map_err(|source| ScaffoldError::Io { path: path.clone(), source })?;
    Ok(path)
}

/// A slug from an ASCII title; Chinese titles need `--slug`.
pub fn slug_from_title(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}
