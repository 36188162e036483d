//! Markdown → HTML, with what the later stages need collected on the way: the
//! outline of numbered Chinese headings with stable anchors, every link and image
//! (to be checked across pages, and the files to publish), the plain text of each
//! block (for search) and the first paragraph (a default summary).
//!
//! What may reach the page: links and images only to safe targets (see
//! [`crate::links`]); of raw HTML only `<br>`, `<sup>` and `<sub>` (a line break in
//! a table cell is common in official tables); HTML comments — editors' notes —
//! never. Any other raw HTML is shown as text and reported by `gazette check`.
//! The rendered HTML then goes through ammonia with exactly the tags and
//! attributes the renderer produces, so nothing else can slip through.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::links::{self, Target};

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Empty after [`scan`].
    pub html: String,
    pub outline: Vec<Heading>,
    /// The plain text of each block — paragraph, heading, list item, table
    /// cell, code block — apart, so that a search never matches across two.
    /// Empty after [`scan`].
    pub text_blocks: Vec<String>,
    pub first_paragraph: String,
    pub links: Vec<Link>,
    /// Raw HTML that is not allowed and was shown as text instead.
    pub raw_html: Vec<RawHtml>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    /// 1 for 一、, 2 for （一）, 3 for 1.; unnumbered headings use their Markdown depth.
    pub level: u8,
    pub text: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    /// 0-based line within the Markdown body.
    pub body_line: usize,
    /// An image (`![…](…)`) rather than a link.
    pub image: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHtml {
    pub html: String,
    /// 0-based line within the Markdown body.
    pub body_line: usize,
}

/// Inline HTML editors may write; compared after lower-casing and removing spaces.
const ALLOWED_RAW_HTML: &[&str] = &["<br>", "<br/>", "<sup>", "</sup>", "<sub>", "</sub>"];

fn is_allowed_raw_html(html: &str) -> bool {
    let compact: String = html.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    ALLOWED_RAW_HTML.contains(&compact.as_str())
}

/// Renders a page's Markdown body: its HTML and everything else [`Rendered`] holds.
pub fn render(markdown: &str) -> Rendered {
    read(markdown, Reading::Whole)
}

/// What the cross-page stages need of a body — outline, links, raw HTML, first
/// paragraph — without its HTML and text blocks, which are the bulk of a page:
/// a build keeps this much of every page and renders the whole body again when
/// it writes the page ([`crate::content::Page::body`]).
pub fn scan(markdown: &str) -> Rendered {
    read(markdown, Reading::Outline)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Whole,
    Outline,
}

fn read(markdown: &str, reading: Reading) -> Rendered {
    let whole = reading == Reading::Whole;
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let source = cjk_emphasis::prepare(markdown);
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut rendered = Rendered::default();
    let mut numbering = Numbering::default();
    let mut heading: Option<(usize, HeadingLevel)> = None;
    let mut paragraph_depth = 0usize;
    let mut in_first_paragraph = false;
    let mut block = String::new();
    let mut in_comment = false;
    // For each open link or image: whether it was dropped (unsafe target).
    let mut dropped_links: Vec<bool> = Vec::new();
    let line_of = |offset: usize| source[..offset].matches('\n').count();

    for (event, range) in Parser::new_ext(&source, options).into_offset_iter() {
        let event = cjk_emphasis::clean(event);
        match &event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((events.len(), *level)),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, level)) = heading.take() {
                    let text = plain(&events[start + 1..]);
                    let explicit = match &events[start] {
                        Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
                        _ => None,
                    };
                    let (outline_level, id) = numbering.anchor(&text, level, explicit);
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[start] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    rendered.outline.push(Heading { level: outline_level, text, id });
                }
            }
            Event::Start(Tag::Paragraph) => {
                paragraph_depth += 1;
                in_first_paragraph = rendered.first_paragraph.is_empty() && heading.is_none();
            }
            Event::End(TagEnd::Paragraph) => {
                paragraph_depth = paragraph_depth.saturating_sub(1);
                if in_first_paragraph && is_salutation(&rendered.first_paragraph) {
                    rendered.first_paragraph.clear();
                }
                in_first_paragraph = false;
            }
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                let image = matches!(event, Event::Start(Tag::Image { .. }));
                rendered.links.push(Link { dest: dest_url.to_string(), body_line: line_of(range.start), image });
                let unsafe_target = matches!(links::classify(dest_url), Target::Unsafe(_));
                dropped_links.push(unsafe_target);
                if unsafe_target {
                    continue;
                }
            }
            // Closes the innermost open link or image; a dropped one's end goes too.
            Event::End(TagEnd::Link | TagEnd::Image) if dropped_links.pop().unwrap_or(false) => continue,
            Event::Html(html) | Event::InlineHtml(html) => {
                if in_comment || html.trim_start().starts_with("<!--") {
                    in_comment = !html.contains("-->");
                    continue;
                }
                if is_allowed_raw_html(html) {
                    events.push(Event::InlineHtml(html.clone()));
                    continue;
                }
                if !html.trim().is_empty() {
                    let body_line = line_of(range.start);
                    rendered.raw_html.push(RawHtml { html: html.trim().to_string(), body_line });
                }
                block.push_str(html);
                events.push(Event::Text(html.clone()));
                continue;
            }
            Event::Text(text) | Event::Code(text) => {
                block.push_str(text);
                if in_first_paragraph && paragraph_depth > 0 {
                    rendered.first_paragraph.push_str(text);
                }
            }
            Event::SoftBreak | Event::HardBreak => block.push('\n'),
            _ => {}
        }
        if starts_or_ends_block(&event) {
            let text = std::mem::take(&mut block);
            if whole && !text.trim().is_empty() {
                rendered.text_blocks.push(text);
            }
        }
        events.push(event);
    }
    if !whole {
        return rendered;
    }
    if !block.trim().is_empty() {
        rendered.text_blocks.push(block);
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    rendered.html = SANITIZER.clean(&html).to_string();
    rendered
}

/// Whether `event` opens or closes a block: everything but inline markup
/// (emphasis, links, images, …) does.
fn starts_or_ends_block(event: &Event<'_>) -> bool {
    match event {
        Event::Start(tag) => {
            !matches!(tag, Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. })
        }
        Event::End(tag) => {
            !matches!(tag, TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image)
        }
        Event::Rule => true,
        _ => false,
    }
}

/// A salutation (称呼) such as `各有关单位：` opens most notices; it is not a summary.
fn is_salutation(paragraph: &str) -> bool {
    let text = paragraph.trim();
    (text.ends_with('：') || text.ends_with(':')) && text.chars().count() <= 40 && !text.contains(['。', '；'])
}

/// The tags and attributes the Markdown renderer produces, plus the raw inline
/// HTML allowed above; URLs only relative or with a safe scheme.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "a",
        "img",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "blockquote",
        "hr",
        "br",
        "sup",
        "sub",
        "div",
    ]
    .into();
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        attributes.insert(heading, ["id"].into());
    }
    attributes.insert("a", ["href", "title"].into());
    attributes.insert("img", ["src", "alt", "title"].into());
    attributes.insert("ol", ["start"].into());
    attributes.insert("th", ["style"].into());
    attributes.insert("td", ["style"].into());
    attributes.insert("div", ["class", "id"].into());
    attributes.insert("sup", ["class", "id"].into());
    attributes.insert("code", ["class"].into());
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(links::SAFE_SCHEMES.iter().copied().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .attribute_filter(|_element, attribute, value| {
            // Table column alignment is the only inline style the renderer writes.
            if attribute == "style" && !matches!(value, "text-align: left" | "text-align: center" | "text-align: right")
            {
                return None;
            }
            Some(value.into())
        });
    builder
});

/// CommonMark does not let `**` close after Chinese punctuation when a Chinese
/// character follows (`**（一）坚持问题导向。**聚焦…`), nor open before punctuation
/// after a character (`…导向**（一）**`): its flanking rules assume spaces
/// between words. pulldown-cmark (0.13.6, the newest release) has no option for
/// this, so the rule of the CJK-friendly emphasis proposal (markdown-cjk-friendly,
/// which comrak and markdown-it implement) is applied before parsing: such a
/// delimiter run gets an invisible punctuation mark on its CJK side, which makes
/// it able to open and close, and the mark is removed from every event after
/// parsing.
mod cjk_emphasis {
    use pulldown_cmark::{CowStr, Event, Tag};

    /// Punctuation to the parser, and never written by editors in practice; a
    /// text that contains it is left as it is.
    pub const MARK: char = '\u{2E19}';

    fn is_cjk(c: char) -> bool {
        matches!(c,
            '\u{1100}'..='\u{11FF}' | '\u{2E80}'..='\u{2FDF}' | '\u{3000}'..='\u{303F}' | '\u{3040}'..='\u{30FF}'
            | '\u{3100}'..='\u{31FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
            | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
    }

    /// Punctuation as CommonMark counts it, for the characters next to a run.
    fn is_punctuation(c: char) -> bool {
        c.is_ascii_punctuation()
            || matches!(c,
                '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}'
                | '\u{3014}'..='\u{301F}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}'
                | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}' | '\u{00A1}'..='\u{00BF}')
    }

    fn is_cjk_letter(c: char) -> bool {
        is_cjk(c) && !is_punctuation(c) && !c.is_whitespace()
    }

    pub fn prepare(markdown: &str) -> String {
        if markdown.contains(MARK) || !markdown.contains('*') {
            return markdown.to_string();
        }
        let chars: Vec<char> = markdown.chars().collect();
        let mut out = String::with_capacity(markdown.len() + 16);
        let mut i = 0;
        while i < chars.len() {
            if chars[i] != '*' || (i > 0 && chars[i - 1] == '\\') {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i] == '*' {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i).copied();
            let (before_mark, after_mark) = match (before, after) {
                (Some(b), Some(a)) if is_punctuation(b) && is_cjk_letter(a) => (false, true),
                (Some(b), Some(a)) if is_cjk_letter(b) && is_punctuation(a) => (true, false),
                _ => (false, false),
            };
            if before_mark {
                out.push(MARK);
            }
            out.extend(&chars[start..i]);
            if after_mark {
                out.push(MARK);
            }
        }
        out
    }

    fn strip(text: CowStr<'_>) -> CowStr<'_> {
        if text.contains(MARK) { CowStr::from(text.replace(MARK, "")) } else { text }
    }

    /// The event without the marks `prepare` added.
    pub fn clean(event: Event<'_>) -> Event<'_> {
        match event {
            Event::Text(t) => Event::Text(strip(t)),
            Event::Code(t) => Event::Code(strip(t)),
            Event::Html(t) => Event::Html(strip(t)),
            Event::InlineHtml(t) => Event::InlineHtml(strip(t)),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Link { link_type, dest_url: strip(dest_url), title: strip(title), id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Image { link_type, dest_url: strip(dest_url), title: strip(title), id })
            }
            other => other,
        }
    }
}

fn plain(events: &[Event<'_>]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Tracks the document's own numbering (一、 → （一） → 1.) to give each heading an
/// anchor that depends on its number, not its wording: `s2-1-3` is 二、（一）3.
///
/// When the top-level numbering starts again (an appendix, 附件, with its own
/// 一、 after the document's 一、二、), the headings after it belong to a new part
/// and get the prefix `a1-`, `a2-` …: the appendix's 一、 is `a1-1`, never an id
/// of the main text, so adding a heading to the main text moves no anchor of the
/// appendix. A number used twice in the same place gets `_2`, `_3` …, a suffix
/// no numbered anchor has. `{#id}` after a heading pins an explicit anchor.
#[derive(Default)]
struct Numbering {
    part: u32,
    path: [u32; 3],
    unnumbered: u32,
    used: HashSet<String>,
}

impl Numbering {
    fn anchor(&mut self, text: &str, level: HeadingLevel, explicit: Option<String>) -> (u8, String) {
        let (depth, id) = match parse_number(text) {
            Some((depth, n)) => {
                if depth == 0 && self.path[0] != 0 && n <= self.path[0] {
                    self.part += 1;
                    self.path = [0; 3];
                }
                self.path[depth] = n;
                for deeper in &mut self.path[depth + 1..] {
                    *deeper = 0;
                }
                let parts: Vec<String> = self.path[..=depth].iter().map(|n| n.to_string()).collect();
                let prefix = if self.part == 0 { "s".to_string() } else { format!("a{}-", self.part) };
                (depth as u8 + 1, format!("{prefix}{}", parts.join("-")))
            }
            None => {
                self.unnumbered += 1;
                (level as u8 - 1, format!("h{}", self.unnumbered))
            }
        };
        let id = explicit.unwrap_or(id);
        let mut unique = id.clone();
        let mut n = 2;
        while !self.used.insert(unique.clone()) {
            unique = format!("{id}_{n}");
            n += 1;
        }
        (depth.max(1), unique)
    }
}

/// The numbering level (0 = 一、, 1 = （一）, 2 = 1.) and number of a heading.
fn parse_number(text: &str) -> Option<(usize, u32)> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix('（').or_else(|| text.strip_prefix('(')) {
        let close = rest.find(['）', ')'])?;
        return chinese_number(&rest[..close]).map(|n| (1, n));
    }
    let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        let after = text[digits.len()..].chars().next()?;
        return matches!(after, '.' | '、' | '．').then(|| digits.parse().ok().map(|n| (2, n))).flatten();
    }
    let numeral: String = text.chars().take_while(|c| "一二三四五六七八九十".contains(*c)).collect();
    let after = text[numeral.len()..].chars().next()?;
    if numeral.is_empty() || after != '、' {
        return None;
    }
    chinese_number(&numeral).map(|n| (0, n))
}

/// 一 … 九十九.
fn chinese_number(text: &str) -> Option<u32> {
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        [d] if *d != '十' => digit(*d),
        ['十'] => Some(10),
        ['十', d] => Some(10 + digit(*d)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', d] => Some(digit(*t)? * 10 + digit(*d)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_heading_numbers_become_stable_anchors() {
        let rendered = render(
            "## 一、总体要求\n### （一）指导思想\n#### 1. 坚持\n#### 2. 坚持\n### （二）目标\n## 二、任务\n#### 1、第一\n",
        );
        let ids: Vec<&str> = rendered.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s1-1", "s1-1-1", "s1-1-2", "s1-2", "s2", "s2-0-1"]);
        assert!(rendered.html.contains(r#"<h2 id="s1">一、总体要求</h2>"#), "{}", rendered.html);
        assert_eq!(rendered.outline[1].level, 2);
    }

    #[test]
    fn numbers_past_ten_parse() {
        assert_eq!(chinese_number("十二"), Some(12));
        assert_eq!(chinese_number("二十"), Some(20));
        assert_eq!(chinese_number("二十三"), Some(23));
        assert_eq!(parse_number("十一、其他"), Some((0, 11)));
    }

    #[test]
    fn unnumbered_and_repeated_headings_get_unique_ids() {
        let rendered = render("## 附件\n## 附件\n");
        let ids: Vec<&str> = rendered.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["h1", "h2"]);
    }

    #[test]
    fn raw_html_is_escaped() {
        let rendered = render("<script>alert(1)</script>\n\ntext <b>bold</b>\n");
        assert!(!rendered.html.contains("<script>"));
        assert!(!rendered.html.contains("<b>"));
        let shown: Vec<&str> = rendered.raw_html.iter().map(|r| r.html.as_str()).collect();
        assert_eq!(shown, ["<script>alert(1)</script>", "<b>", "</b>"]);
    }

    #[test]
    fn text_blocks_keep_headings_paragraphs_list_items_and_table_cells_apart() {
        let rendered = render(
            "## 一、申报须知\n知识产权归属\n明确。\n\n| 序号 | 材料名称 |\n|---|---|\n| 1 | 申报书 |\n\n- 甲**加粗**乙\n  - 丙\n",
        );
        assert_eq!(
            rendered.text_blocks,
            ["一、申报须知", "知识产权归属\n明确。", "序号", "材料名称", "1", "申报书", "甲加粗乙", "丙"]
        );
    }

    #[test]
    fn links_are_collected_with_their_line() {
        let rendered = render("第一段。\n\n见[课程](/courses/a/)和\n[附件](fujian.txt)。\n");
        assert_eq!(
            rendered.links,
            vec![
                Link { dest: "/courses/a/".into(), body_line: 2, image: false },
                Link { dest: "fujian.txt".into(), body_line: 3, image: false },
            ]
        );
        assert_eq!(rendered.first_paragraph, "第一段。");
    }

    #[test]
    fn bold_chinese_lead_in_ending_in_punctuation_is_bold() {
        let rendered = render("**（一）坚持问题导向。**聚焦科研诚信建设中的突出问题。\n");
        assert!(
            rendered.html.contains("<strong>（一）坚持问题导向。</strong>聚焦科研诚信建设中的突出问题。"),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("**"));
        assert!(!rendered.text_blocks.concat().contains(cjk_emphasis::MARK));
    }

    #[test]
    fn emphasis_opens_after_a_chinese_character_before_punctuation() {
        let rendered = render("深入推进**“放管服”**改革，落实**（二）**要求，*重点：*做好。\n");
        assert!(rendered.html.contains("推进<strong>“放管服”</strong>改革"), "{}", rendered.html);
        assert!(rendered.html.contains("落实<strong>（二）</strong>要求"), "{}", rendered.html);
        assert!(rendered.html.contains("<em>重点：</em>做好"), "{}", rendered.html);
    }

    #[test]
    fn asterisks_in_code_stay_as_written() {
        let rendered = render("编号 `1101**。**05` 不变。\n");
        assert!(rendered.html.contains("<code>1101**。**05</code>"), "{}", rendered.html);
    }

    #[test]
    fn script_links_are_not_built() {
        let rendered = render(
            "见[实施方案](javascript://%0Aalert(document.domain))。\n\n[a](JavaScript:alert(1)) [b](&#106;avascript:alert(1)) [c]( vbscript:msgbox(1)) <javascript:alert(1)>\n\n![图](data:image/svg+xml;base64,PHN2Zz4=)\n",
        );
        let html = rendered.html.to_lowercase();
        for bad in ["href", "src", "<a", "<img"] {
            assert!(!html.contains(bad), "{bad} reached the page: {html}");
        }
        assert!(rendered.html.contains("见实施方案。"), "{}", rendered.html);
        assert_eq!(rendered.links.len(), 6, "every target is kept for check: {:?}", rendered.links);
    }

    #[test]
    fn safe_links_and_images_are_built() {
        let rendered = render("[网站](https://www.most.gov.cn/) [邮件](mailto:a@b.cn) ![流程图](liucheng.png)\n");
        assert!(rendered.html.contains(r#"<a href="https://www.most.gov.cn/">网站</a>"#), "{}", rendered.html);
        assert!(rendered.html.contains(r#"<img src="liucheng.png" alt="流程图">"#), "{}", rendered.html);
        assert!(rendered.links[2].image);
    }

    #[test]
    fn file_names_with_spaces_are_encoded_in_links() {
        let rendered = render("[附件1](<附件1 申报指南.txt>) [附件2](附件2%20名单.xlsx)\n");
        let first = r#"href="%E9%99%84%E4%BB%B61%20%E7%94%B3%E6%8A%A5%E6%8C%87%E5%8D%97.txt""#;
        assert!(rendered.html.contains(first), "{}", rendered.html);
        assert!(rendered.html.contains(r#"href="%E9%99%84%E4%BB%B62%20%E5%90%8D%E5%8D%95.xlsx""#), "{}", rendered.html);
    }

    #[test]
    fn editors_comments_are_never_published() {
        let rendered = render(
            "<!-- 内部备注：联系人电话待核实，发布前删除 -->\n\n正文<!-- 行内备注 -->继续。\n\n<!--\n多行备注\n-->\n\n结尾。\n",
        );
        for note in ["内部备注", "行内备注", "多行备注", "<!--", "&lt;!--"] {
            assert!(!rendered.html.contains(note), "{note} published: {}", rendered.html);
            assert!(!rendered.text_blocks.concat().contains(note), "{note} indexed");
        }
        assert!(rendered.html.contains("正文继续。"), "{}", rendered.html);
        assert!(rendered.raw_html.is_empty(), "{:?}", rendered.raw_html);
    }

    #[test]
    fn line_breaks_and_superscripts_are_allowed_html() {
        let rendered = render(
            "| 材料 | 份数 |\n|---|---|\n| 申请表 | 一式两份<br>加盖公章 |\n\n面积 100 m<sup>2</sup>，H<sub>2</sub>O<BR/>。\n",
        );
        assert!(rendered.html.contains("一式两份<br>加盖公章"), "{}", rendered.html);
        assert!(rendered.html.contains("m<sup>2</sup>"), "{}", rendered.html);
        assert!(rendered.html.contains("H<sub>2</sub>O<br>"), "{}", rendered.html);
        assert!(rendered.raw_html.is_empty(), "{:?}", rendered.raw_html);
    }

    #[test]
    fn other_raw_html_shows_as_text_and_is_reported() {
        let rendered = render("第一行\n\n<font color=\"red\">重要</font> <img src=x onerror=alert(1)>\n");
        assert!(!rendered.html.contains("<font"), "{}", rendered.html);
        assert!(!rendered.html.contains("<img"), "{}", rendered.html);
        assert_eq!(rendered.raw_html.len(), 3, "{:?}", rendered.raw_html);
        assert_eq!(rendered.raw_html[0], RawHtml { html: "<font color=\"red\">".into(), body_line: 2 });
    }

    #[test]
    fn restarted_numbering_in_an_appendix_gets_its_own_anchors() {
        let before = render(
            "## 一、总体要求\n### （一）指导思想\n## 二、主要任务\n# 附件\n## 一、填报说明\n### （一）填报范围\n",
        );
        let ids: Vec<&str> = before.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s1-1", "s2", "h1", "a1-1", "a1-1-1"]);
        // A heading added under 一、 takes the next number of the main text; the
        // appendix's anchors stay where they were.
        let after = render(
            "## 一、总体要求\n### （一）指导思想\n### （二）基本原则\n## 二、主要任务\n# 附件\n## 一、填报说明\n### （一）填报范围\n",
        );
        let ids: Vec<&str> = after.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s1-1", "s1-2", "s2", "h1", "a1-1", "a1-1-1"]);
        let second = render("## 一、正文\n## 一、附件一\n## 二、附件一续\n## 一、附件二\n");
        let ids: Vec<&str> = second.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s1", "a1-1", "a1-2", "a2-1"]);
    }

    #[test]
    fn repeated_numbers_never_take_another_headings_anchor() {
        let rendered = render("## 一、总体要求\n### （一）甲\n### （一）乙\n### （二）丙\n");
        let ids: Vec<&str> = rendered.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s1-1", "s1-1_2", "s1-2"]);
    }

    #[test]
    fn explicit_heading_ids_pin_an_anchor() {
        let rendered = render("## 一、总体要求 {#zongti}\n### （一）指导思想\n");
        let ids: Vec<&str> = rendered.outline.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["zongti", "s1-1"]);
        assert_eq!(rendered.outline[0].text, "一、总体要求");
    }

    #[test]
    fn the_salutation_is_not_the_first_paragraph() {
        let rendered = render("各有关单位：\n\n为深入贯彻落实有关要求，现将事项通知如下。\n");
        assert_eq!(rendered.first_paragraph, "为深入贯彻落实有关要求，现将事项通知如下。");
        let english = render("Dear colleagues:\n\nThe training starts in July.\n");
        assert_eq!(english.first_paragraph, "The training starts in July.");
        let addressees = render("各省、自治区、直辖市及新疆生产建设兵团科技厅（委、局），各有关单位：\n\n正文。\n");
        assert_eq!(addressees.first_paragraph, "正文。");
        let long = "为贯彻落实党中央、国务院关于深化科技体制改革的决策部署，进一步加强科研诚信建设，营造良好学术生态，经研究，现就有关事项通知如下：";
        let statement = render(&format!("{long}\n\n一、……\n"));
        assert_eq!(statement.first_paragraph, long, "a long sentence is not a salutation");
    }
}
