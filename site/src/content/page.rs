//! The content model: one [`Page`] per Markdown file, with the front matter of its
//! type parsed into [`Meta`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;

use super::doc_number::DocNumber;
use super::front_matter::Fields;
use crate::error::{ContentError, Message};
use crate::links;
use crate::markdown::Rendered;

/// The four kinds of page, one folder each under `content/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Notice,
    Course,
    Policy,
    Case,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Notice, Kind::Course, Kind::Policy, Kind::Case];

    /// Folder under `content/` and first URL segment.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Notice => "notices",
            Kind::Course => "courses",
            Kind::Policy => "policies",
            Kind::Case => "cases",
        }
    }

    pub fn from_dir(dir: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.dir() == dir)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Notice => "notice",
            Kind::Course => "course",
            Kind::Policy => "policy",
            Kind::Case => "case",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub title: String,
    pub file: String,
    /// Upper-case extension, e.g. `PDF`, computed at build.
    pub format: String,
    pub size: u64,
    /// Human-readable size, e.g. `12.4 KB`.
    pub size_text: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub org: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// 通知 / 公告, and the document part of a policy.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeMeta {
    pub doc_number: Option<DocNumber>,
    pub issuers: Vec<String>,
    /// 成文日期.
    pub written: Date,
    pub published: Date,
    /// 主动公开 / 依申请公开.
    pub disclosure: String,
    pub topics: Vec<String>,
    pub deadline: Option<Date>,
    /// A form under `content/forms/` the notice asks readers to fill in.
    pub form: Option<String>,
    /// The course slug a registration form is for.
    pub course: Option<String>,
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CourseMeta {
    pub category: String,
    /// 研修班, 短期培训班, 学术讲坛, 案例课 …
    pub kind: String,
    /// 所级 / 院级培育 / 精品 / 高研: the CAS four-tier system; other providers' courses have none.
    pub tier: Option<String>,
    /// 必修 (true) or 选修.
    pub required: bool,
    /// 学时.
    pub hours: f64,
    pub start: Date,
    pub end: Date,
    pub mode: String,
    pub place: Option<String>,
    pub capacity: Option<u32>,
    pub registration_opens: Option<Date>,
    pub registration_closes: Option<Date>,
    pub provider: String,
    /// The organising unit's code (a slug, as tokens name units): its organisers see
    /// the course's learning records.
    pub organiser: Option<String>,
    pub recommended: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyMeta {
    #[serde(flatten)]
    pub notice: NoticeMeta,
    /// 现行有效 / 已被替代 / 已失效.
    pub status: String,
    pub supersedes: Option<String>,
    pub superseded_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseMeta {
    pub region: String,
    pub provider: String,
    pub category: String,
    pub date: Date,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Meta {
    Notice(NoticeMeta),
    Course(CourseMeta),
    Policy(PolicyMeta),
    Case(CaseMeta),
}

#[derive(Debug, Clone)]
pub struct Page {
    pub kind: Kind,
    pub slug: String,
    /// `/notices/<slug>/`.
    pub url: String,
    /// Path relative to the project root, as shown in error messages.
    pub source: PathBuf,
    /// The bundle folder holding attachments, if the page is `<slug>/index.md`.
    pub bundle: Option<PathBuf>,
    pub title: String,
    pub summary: String,
    pub meta: Meta,
    pub attachments: Vec<Attachment>,
    /// Outline, links, raw HTML and first paragraph of the body; its HTML and
    /// text blocks are empty (see [`Page::body`]).
    pub content: Rendered,
    /// Lines of the fields that later, cross-page checks report on.
    pub field_lines: BTreeMap<&'static str, usize>,
}

pub const DISCLOSURES: &[&str] = &["主动公开", "依申请公开"];
pub const COURSE_KINDS: &[&str] = &["专业技术研修班", "专项技术短期培训班", "学术讲坛", "案例课", "专题培训"];
pub const TIERS: &[&str] = &["所级", "院级培育", "精品", "高研"];
pub const MODES: &[&str] = &["线上", "线下", "线上线下"];
pub const POLICY_STATUSES: &[&str] = &["现行有效", "已被替代", "已失效"];

impl Page {
    /// The date a page is listed and sorted by.
    pub fn date(&self) -> Date {
        match &self.meta {
            Meta::Notice(n) => n.published,
            Meta::Policy(p) => p.notice.published,
            Meta::Course(c) => c.start,
            Meta::Case(c) => c.date,
        }
    }

    pub fn notice(&self) -> Option<&NoticeMeta> {
        match &self.meta {
            Meta::Notice(n) => Some(n),
            Meta::Policy(p) => Some(&p.notice),
            _ => None,
        }
    }

    pub fn course(&self) -> Option<&CourseMeta> {
        match &self.meta {
            Meta::Course(c) => Some(c),
            _ => None,
        }
    }

    /// Issuers of a notice or policy, the provider of a course or case: the
    /// "who published it" facet of listings and search.
    pub fn issuers(&self) -> Vec<String> {
        match &self.meta {
            Meta::Notice(n) => n.issuers.clone(),
            Meta::Policy(p) => p.notice.issuers.clone(),
            Meta::Course(c) => vec![c.provider.clone()],
            Meta::Case(c) => vec![c.provider.clone()],
        }
    }

    /// The whole body — HTML and text blocks — which the page does not keep:
    /// read and rendered again from its file under `root`.
    pub fn body(&self, root: &Path) -> Result<Rendered, Vec<ContentError>> {
        super::library::page_body(root, self)
    }

    pub fn line_of(&self, field: &str) -> usize {
        self.field_lines.get(field).copied().unwrap_or(1)
    }

    /// Files of the bundle the body links to or shows (`![流程图](liucheng.png)`),
    /// listed as attachments or not: each is published beside the page. Returns
    /// (path on disk, URL). Links that leave the folder are not files of the page.
    pub fn bundle_files(&self) -> Vec<(PathBuf, String)> {
        let Some(bundle) = &self.bundle else { return Vec::new() };
        let mut files: Vec<(PathBuf, String)> = Vec::new();
        for link in &self.content.links {
            if links::classify(&link.dest) != links::Target::Relative {
                continue;
            }
            let path = links::decoded_path(&link.dest);
            let relative = path.strip_prefix("./").unwrap_or(&path);
            if relative.is_empty()
                || relative.starts_with('/')
                || relative.split('/').any(|part| part == ".." || part.is_empty())
            {
                continue;
            }
            let file = bundle.join(relative);
            if file.is_file() && !files.iter().any(|(f, _)| *f == file) {
                files.push((file, format!("{}{}", self.url, links::encode_path(relative))));
            }
        }
        files
    }
}

/// Reads the type-specific front matter. Returns `None` when any field was wrong;
/// the errors are in `fields`.
pub fn read_meta(kind: Kind, fields: &mut Fields<'_>) -> Option<Meta> {
    match kind {
        Kind::Notice => read_notice(fields).map(Meta::Notice),
        Kind::Policy => {
            let notice = read_notice(fields);
            let status = fields.choice("status", POLICY_STATUSES);
            let supersedes = fields.opt_string("supersedes");
            let superseded_by = fields.opt_string("superseded_by");
            Some(Meta::Policy(PolicyMeta { notice: notice?, status: status?, supersedes, superseded_by }))
        }
        Kind::Course => read_course(fields).map(Meta::Course),
        Kind::Case => {
            let region = fields.string("region");
            let provider = fields.string("provider");
            let category = fields.string("category");
            let date = fields.date("date");
            Some(Meta::Case(CaseMeta { region: region?, provider: provider?, category: category?, date: date? }))
        }
    }
}

fn read_notice(fields: &mut Fields<'_>) -> Option<NoticeMeta> {
    let doc_number = fields.opt_string("doc_number").and_then(|text| match DocNumber::parse(&text) {
        Ok(number) => Some(number),
        Err(message) => {
            fields.error("doc_number", message);
            None
        }
    });
    let issuers = fields.string_list("issuers", true);
    let written = fields.date("written");
    let published = fields.date("published");
    let disclosure = fields.choice("disclosure", DISCLOSURES);
    let topics = fields.string_list("topics", false);
    let deadline = fields.opt_date("deadline");
    let form = fields.opt_string("form");
    let course = fields.opt_string("course");
    let contacts = fields.tables("contacts", |c| {
        let name = c.opt_string("name");
        let org = c.opt_string("org");
        let phone = c.opt_string("phone");
        let email = c.opt_string("email");
        if let Some(email) = email.as_deref().filter(|e| !links::is_email(e)) {
            c.error(
                "email",
                Message::new(
                    format!("\"{email}\" 不是电子邮件地址：应为 name@example.cn 的形式"),
                    format!("\"{email}\" is not an e-mail address: write it like name@example.cn"),
                ),
            );
        }
        if let Some(phone) = phone.as_deref().filter(|p| !links::is_phone(p)) {
            c.error(
                "phone",
                Message::new(
                    format!("\"{phone}\" 不是电话号码：只写数字和 -、+、空格、括号"),
                    format!("\"{phone}\" is not a phone number: digits with -, +, spaces or brackets only"),
                ),
            );
        }
        if name.is_none() && org.is_none() {
            c.error("name", Message::new("联系人需要填写 name 或 org", "a contact needs a name or an org"));
            return None;
        }
        Some(Contact { name, org, phone, email })
    });
    if let (Some(written), Some(deadline)) = (written, deadline)
        && deadline < written
    {
        fields.error(
            "deadline",
            Message::new(
                format!("截止日期 {deadline} 早于成文日期 {written}"),
                format!("deadline {deadline} is before the written date {written}"),
            ),
        );
    }
    if let (Some(written), Some(published)) = (written, published)
        && published < written
    {
        fields.error(
            "published",
            Message::new(
                format!("发布日期 {published} 早于成文日期 {written}"),
                format!("published {published} is before the written date {written}"),
            ),
        );
    }
    if course.is_some() && form.is_none() {
        fields.error(
            "course",
            Message::new(
                "关联课程还需要 `form = \"registration\"`",
                "a course link needs `form = \"registration\"` too",
            ),
        );
    }
    if issuers.is_empty() {
        return None;
    }
    Some(NoticeMeta {
        doc_number,
        issuers,
        written: written?,
        published: published?,
        disclosure: disclosure?,
        topics,
        deadline,
        form,
        course,
        contacts,
    })
}

fn read_course(fields: &mut Fields<'_>) -> Option<CourseMeta> {
    let category = fields.string("category");
    let kind = fields.choice("kind", COURSE_KINDS);
    let tier = fields.opt_string("tier").filter(|tier| {
        let known = TIERS.contains(&tier.as_str());
        if !known {
            fields.error(
                "tier",
                Message::new(
                    format!("\"{tier}\" 不是可选值之一：{}", TIERS.join(", ")),
                    format!("\"{tier}\" is not one of: {}", TIERS.join(", ")),
                ),
            );
        }
        known
    });
    let required = fields.bool("required");
    let hours = fields.number("hours");
    let start = fields.date("start");
    let end = fields.date("end");
    let mode = fields.choice("mode", MODES);
    let place = fields.opt_string("place");
    let capacity = fields.opt_count("capacity");
    let registration_opens = fields.opt_date("registration_opens");
    let registration_closes = fields.opt_date("registration_closes");
    let provider = fields.string("provider");
    let organiser = fields.opt_string("organiser").filter(|unit| {
        let slug = !unit.is_empty()
            && unit.len() <= 64
            && unit.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !slug {
            fields.error(
                "organiser",
                Message::new(
                    format!("\"{unit}\" 不是单位代码：只能用小写字母、数字、连字符或下划线，如 cas-bureau"),
                    format!("\"{unit}\" is not a unit code: lower-case letters, digits, - or _ only, like cas-bureau"),
                ),
            );
        }
        slug
    });
    let recommended = fields.opt_bool("recommended").unwrap_or(false);
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        fields.error(
            "end",
            Message::new(format!("结束日期 {end} 早于开始日期 {start}"), format!("end {end} is before start {start}")),
        );
    }
    if let (Some(opens), Some(closes)) = (registration_opens, registration_closes)
        && closes < opens
    {
        fields.error(
            "registration_closes",
            Message::new(
                format!("报名截止日期 {closes} 早于报名开始日期 {opens}"),
                format!("registration closes {closes} before it opens {opens}"),
            ),
        );
    }
    if capacity == Some(0) {
        fields.error(
            "capacity",
            Message::new("至少为 1；名额不限时删除这一行", "must be at least 1; omit it for unlimited places"),
        );
    }
    Some(CourseMeta {
        category: category?,
        kind: kind?,
        tier,
        required: required?,
        hours: hours?,
        start: start?,
        end: end?,
        mode: mode?,
        place,
        capacity,
        organiser,
        registration_opens,
        registration_closes,
        provider: provider?,
        recommended,
    })
}

/// Reads the `[[attachments]]` tables and measures each file in the bundle.
pub fn read_attachments(fields: &mut Fields<'_>, bundle: Option<&Path>, url: &str) -> Vec<Attachment> {
    let listed = fields.tables("attachments", |a| {
        let title = a.string("title");
        let file = a.string("file");
        Some((title?, file?, a.line("file")))
    });
    let mut attachments = Vec::new();
    for (title, file, _line) in listed {
        let Some(bundle) = bundle else {
            fields.error(
                "attachments",
                Message::new(
                    "附件需要页面文件夹：把页面移到 <slug>/index.md，附件放在它旁边",
                    "attachments need a bundle: move the page to <slug>/index.md and put the files beside it",
                ),
            );
            break;
        };
        if file.contains('/') || file.contains('\\') || file.starts_with('.') {
            fields.error(
                "attachments",
                Message::new(
                    format!("文件 \"{file}\" 应为页面文件夹中的文件名（不含路径）"),
                    format!("file \"{file}\" must be a plain file name in the page's folder"),
                ),
            );
            continue;
        }
        match std::fs::metadata(bundle.join(&file)) {
            Ok(meta) if meta.is_file() => attachments.push(Attachment {
                format: Path::new(&file)
                    .extension()
                    .map(|e| e.to_string_lossy().to_uppercase())
                    .unwrap_or_else(|| "FILE".into()),
                size: meta.len(),
                size_text: human_size(meta.len()),
                url: format!("{url}{}", links::encode_path(&file)),
                title,
                file,
            }),
            _ => fields.error(
                "attachments",
                Message::new(
                    format!("文件 \"{file}\" 不在页面文件夹中"),
                    format!("file \"{file}\" is not in the page's folder"),
                ),
            ),
        }
    }
    attachments
}

fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

/// Slugs are the URL: lowercase ASCII letters, digits and single hyphens.
pub fn check_slug(slug: &str, file: &Path) -> Result<(), ContentError> {
    let valid = !slug.is_empty()
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if valid {
        Ok(())
    } else {
        Err(ContentError::new(
            file,
            1,
            "slug",
            Message::new(
                format!("文件名 \"{slug}\" 就是页面网址：只用小写字母、数字和连字符（拼音或简短英文）"),
                format!(
                    "file name \"{slug}\" is the page's URL: use lowercase letters, digits and hyphens (pinyin or short English)"
                ),
            ),
        ))
    }
}
