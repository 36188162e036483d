//! Markdown → HTML, with what the later stages need collected on the way: the
//! outline of numbered Chinese headings with stable anchors, every link (to be
//! checked across pages), the plain text of each block (for search) and the
//! first paragraph (a default summary).
//!
//! Raw HTML in Markdown is shown as text: content may come from exported user
//! uploads, and nothing the site publishes needs it.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub outline: Vec<Heading>,
    /// The plain text of each block — paragraph, heading, list item, table
    /// cell, code block — apart, so that a search never matches across two.
    pub text_blocks: Vec<String>,
    pub first_paragraph: String,
    pub links: Vec<Link>,
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
}

pub fn render(markdown: &str) -> Rendered {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut rendered = Rendered::default();
    let mut numbering = Numbering::default();
    let mut heading: Option<(usize, HeadingLevel)> = None;
    let mut paragraph_depth = 0usize;
    let mut in_first_paragraph = false;
    let mut block = String::new();

    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match &event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((events.len(), *level)),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, level)) = heading.take() {
                    let text = plain(&events[start + 1..]);
                    let (outline_level, id) = numbering.anchor(&text, level);
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
                in_first_paragraph = false;
            }
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                let body_line = markdown[..range.start].matches('\n').count();
                rendered.links.push(Link { dest: dest_url.to_string(), body_line });
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
            if !text.trim().is_empty() {
                rendered.text_blocks.push(text);
            }
        }
        events.push(match event {
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            other => other,
        });
    }
    if !block.trim().is_empty() {
        rendered.text_blocks.push(block);
    }
    rendered.html.reserve(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut rendered.html, events.into_iter());
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
#[derive(Default)]
struct Numbering {
    path: [u32; 3],
    unnumbered: u32,
    used: std::collections::HashSet<String>,
}

impl Numbering {
    fn anchor(&mut self, text: &str, level: HeadingLevel) -> (u8, String) {
        let (depth, id) = match parse_number(text) {
            Some((depth, n)) => {
                self.path[depth] = n;
                for deeper in &mut self.path[depth + 1..] {
                    *deeper = 0;
                }
                let parts: Vec<String> = self.path[..=depth].iter().map(|n| n.to_string()).collect();
                (depth as u8 + 1, format!("s{}", parts.join("-")))
            }
            None => {
                self.unnumbered += 1;
                (level as u8 - 1, format!("h{}", self.unnumbered))
            }
        };
        let mut unique = id.clone();
        let mut n = 2;
        while !self.used.insert(unique.clone()) {
            unique = format!("{id}-{n}");
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
            vec![Link { dest: "/courses/a/".into(), body_line: 2 }, Link { dest: "fujian.txt".into(), body_line: 3 },]
        );
        assert_eq!(rendered.first_paragraph, "第一段。");
    }
}
