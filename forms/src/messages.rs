//! What an error says, in Chinese and English. Every message names the field by its
//! label — `“手机”格式不正确，应为 11 位手机号` / `Phone: must be an 11-digit mobile
//! number` — and, inside a repeatable group, the row: `“作者”第 2 条的“证件号码”`.

use crate::id_number::IdNumberError;
use crate::number::Decimal;
use crate::schema::{Field, FieldType, Limit, Schema, Unit};
use crate::text::Lang;

/// Where an error is: a field, or a column of one row of a group.
#[derive(Clone, Copy)]
pub(crate) struct Loc<'a> {
    pub group: Option<(&'a Field, usize)>,
    pub field: &'a Field,
}

impl<'a> Loc<'a> {
    pub fn top(field: &'a Field) -> Loc<'a> {
        Loc { group: None, field }
    }

    pub fn cell(group: &'a Field, row: usize, field: &'a Field) -> Loc<'a> {
        Loc { group: Some((group, row)), field }
    }

    /// The path used as the error key and as the HTML input name.
    pub fn path(&self) -> String {
        match self.group {
            Some((g, row)) => format!("{}[{row}].{}", g.id, self.field.id),
            None => self.field.id.clone(),
        }
    }

    /// The field's name as messages quote it.
    pub fn name(&self, lang: Lang) -> String {
        match (lang, self.group) {
            (Lang::Zh, None) => format!("“{}”", self.field.label.zh),
            (Lang::Zh, Some((g, row))) => format!("“{}”第 {} 条的“{}”", g.label.zh, row + 1, self.field.label.zh),
            (Lang::En, None) => self.field.label.en.clone(),
            (Lang::En, Some((g, row))) => {
                format!("{}, row {}, {}", g.label.en, row + 1, self.field.label.en)
            }
        }
    }

    /// Sort key putting errors in form order.
    pub fn order(&self, schema: &Schema) -> (usize, usize, usize) {
        match self.group {
            Some((g, row)) => {
                let column = g.fields.iter().position(|c| c.id == self.field.id).unwrap_or(0);
                (schema.position(&g.id), row + 1, column + 1)
            }
            None => (schema.position(&self.field.id), 0, 0),
        }
    }
}

/// Puts a field's name in front of an explanation: `“手机”格式不正确` / `Phone: …`.
pub(crate) fn say(loc: &Loc<'_>, lang: Lang, zh: impl std::fmt::Display, en: impl std::fmt::Display) -> String {
    match lang {
        Lang::Zh => format!("{}{zh}", loc.name(lang)),
        Lang::En => format!("{}: {en}", loc.name(lang)),
    }
}

/// A value with its unit: `3 天`, `70 people`, `50%`.
pub(crate) fn with_unit(value: impl std::fmt::Display, unit: Option<Unit>, lang: Lang) -> String {
    match unit {
        Some(u) if u.label(lang) == "%" => format!("{value}%"),
        Some(u) => format!("{value} {}", u.label(lang)),
        None => value.to_string(),
    }
}

/// `20971520` → `20 MB`.
pub(crate) fn bytes(n: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if n >= MB && n % MB == 0 {
        format!("{} MB", n / MB)
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} B")
    }
}

/// Something wrong with a single field's value.
pub(crate) enum Problem {
    Required,
    NotText,
    /// A control character or noncharacter (NUL, BEL, DEL …), which no record may hold.
    ControlCharacter(char),
    Pattern,
    Email,
    Url,
    TooShort(u32),
    TooLong(u32),
    NotNumber,
    Step(Decimal),
    Below(Limit),
    Above(Limit),
    NotDate,
    NotMonth,
    NotOption,
    NotBool,
    IdNumber(IdNumberError),
    NotFile,
    FileEmpty,
    FileType,
    FileTooBig(u64),
    TooManyFiles(u32),
    NotRows,
    TooFewRows(u32),
    TooManyRows(u32),
    Honeypot,
}

impl Problem {
    pub fn message(&self, loc: &Loc<'_>, lang: Lang) -> String {
        let f = loc.field;
        let name = loc.name(lang);
        match self {
            Problem::Required => match (lang, f.kind) {
                (Lang::Zh, FieldType::Select | FieldType::Radio | FieldType::Checkboxes) => {
                    format!("请选择{name}")
                }
                (Lang::Zh, FieldType::Checkbox) => format!("请勾选{name}"),
                (Lang::Zh, FieldType::File) => format!("请上传{name}"),
                (Lang::Zh, _) => format!("请填写{name}"),
                (Lang::En, FieldType::Select | FieldType::Radio | FieldType::Checkboxes) => {
                    format!("{name}: choose an option")
                }
                (Lang::En, FieldType::Checkbox) => format!("{name}: tick this box"),
                (Lang::En, FieldType::File) => format!("{name}: upload a file"),
                (Lang::En, _) => format!("{name}: enter a value"),
            },
            Problem::NotText => say(loc, lang, "应为文字", "must be text"),
            Problem::ControlCharacter(c) => say(
                loc,
                lang,
                format!(
                    "含有不可见的控制字符 U+{:04X}（常见于从 PDF 或聊天软件粘贴的文字），请删除后重新填写",
                    *c as u32
                ),
                format!(
                    "holds the invisible control character U+{:04X} (often pasted from a PDF or chat app); delete it",
                    *c as u32
                ),
            ),
            Problem::Pattern => match &f.pattern_message {
                Some(hint) => say(loc, lang, format!("格式不正确，{}", hint.zh), &hint.en),
                None => say(loc, lang, "格式不正确", "is not in the right format"),
            },
            Problem::Email => say(
                loc,
                lang,
                "格式不正确，应为电子邮箱地址，如 name@example.com",
                "must be an email address, like name@example.com",
            ),
            Problem::Url => {
                say(loc, lang, "格式不正确，应为以 https:// 开头的网址", "must be a web address starting with https://")
            }
            Problem::TooShort(n) => {
                say(loc, lang, format!("不能少于 {n} 个字"), format!("must be at least {n} characters"))
            }
            Problem::TooLong(n) => {
                say(loc, lang, format!("不能超过 {n} 个字"), format!("must be {n} characters or fewer"))
            }
            Problem::NotNumber => say(loc, lang, "应为数字", "must be a number"),
            Problem::Step(step) => {
                let one = Decimal::ONE;
                if *step == one {
                    say(loc, lang, "应为整数", "must be a whole number")
                } else if (1..=9).any(|p| Decimal::parse(&format!("1e-{p}")) == Some(*step)) {
                    let places = step.decimal_places();
                    say(
                        loc,
                        lang,
                        format!("最多保留 {places} 位小数"),
                        format!("must have at most {places} decimal places"),
                    )
                } else {
                    let s = with_unit(step, f.unit, lang);
                    say(loc, lang, format!("应为 {s} 的整数倍"), format!("must be a multiple of {s}"))
                }
            }
            Problem::Below(Limit::Number(min)) if min.is_zero() => say(loc, lang, "不能为负数", "must not be negative"),
            Problem::Below(Limit::Number(min)) => {
                let m = with_unit(min, f.unit, lang);
                say(loc, lang, format!("不能小于 {m}"), format!("must be {m} or more"))
            }
            Problem::Above(Limit::Number(max)) => {
                let m = with_unit(max, f.unit, lang);
                say(loc, lang, format!("不能大于 {m}"), format!("must be {m} or less"))
            }
            Problem::Below(limit) => say(loc, lang, format!("不能早于 {limit}"), format!("must be {limit} or later")),
            Problem::Above(limit) => say(loc, lang, format!("不能晚于 {limit}"), format!("must be {limit} or earlier")),
            Problem::NotDate => {
                say(loc, lang, "应为有效日期，格式如 2023-01-31", "must be a real date, like 2023-01-31")
            }
            Problem::NotMonth => say(loc, lang, "应为有效年月，格式如 2023-01", "must be a real month, like 2023-01"),
            Problem::NotOption => say(loc, lang, "的选项无效，请从列表中选择", "choose one of the listed options"),
            Problem::NotBool => say(loc, lang, "应为“是”或“否”", "must be yes or no"),
            Problem::IdNumber(e) => {
                let (zh, en) = match e {
                    IdNumberError::Length => ("应为 18 位身份证号", "must be an 18-character ID number"),
                    IdNumberError::Characters => {
                        ("应为 17 位数字加 1 位数字或 X", "must be 17 digits followed by a digit or X")
                    }
                    IdNumberError::Region => (
                        "前两位不是有效的省级行政区划代码，请核对",
                        "does not start with a province code — check the number",
                    ),
                    IdNumberError::BirthDate => (
                        "第 7–14 位不是有效的出生日期，请核对",
                        "digits 7 to 14 are not a real date of birth — check the number",
                    ),
                    IdNumberError::CheckCharacter => {
                        ("校验码不正确，请核对", "the last character does not match — check the number")
                    }
                };
                say(loc, lang, zh, en)
            }
            Problem::NotFile => {
                say(loc, lang, "上传信息不完整，请重新上传", "the upload is incomplete — upload the file again")
            }
            Problem::FileEmpty => say(loc, lang, "文件为空，请重新选择", "the file is empty — choose another file"),
            Problem::FileType => {
                let list = f.accept.join(match lang {
                    Lang::Zh => "、",
                    Lang::En => ", ",
                });
                say(loc, lang, format!("文件类型不符合要求，只接受 {list}"), format!("the file must be one of: {list}"))
            }
            Problem::FileTooBig(max) => {
                let m = bytes(*max);
                say(loc, lang, format!("文件不能超过 {m}"), format!("the file must be smaller than {m}"))
            }
            Problem::TooManyFiles(n) => {
                say(loc, lang, format!("最多上传 {n} 个文件"), format!("upload {n} files or fewer"))
            }
            Problem::NotRows => say(loc, lang, "格式不正确，应为多条记录", "must be a list of rows"),
            Problem::TooFewRows(n) => say(loc, lang, format!("至少填写 {n} 条"), format!("add at least {n}")),
            Problem::TooManyRows(n) => say(loc, lang, format!("最多填写 {n} 条"), format!("add {n} or fewer")),
            Problem::Honeypot => say(loc, lang, "应留空", "must be left empty"),
        }
    }
}

/// The message when the submission is not a JSON object at all.
pub(crate) fn not_an_object(lang: Lang) -> String {
    match lang {
        Lang::Zh => "提交的内容格式不正确，请刷新页面后重新填写".into(),
        Lang::En => "The submission is not in the right format — reload the page and try again".into(),
    }
}
