//! The parts of an official document (公文) that GB/T 9704 lays out in a place of
//! their own, found in a page's rendered body so that the print stylesheet can put
//! them there: the signature (落款: the issuing organ above the date), the note
//! (附注, `（此件主动公开）`), the attachment note (附件说明) and the imprint (版记:
//! `抄送：` and `… 印发`). Editors write these as plain paragraphs, as the paper
//! has them; a class on the paragraph is all the stylesheet needs.
//!
//! Dates and document numbers in the text are wrapped in `<span class="unbroken">`,
//! which the stylesheet keeps on one line: `2022-12-` / `31` or `国科办监〔2022〕` /
//! `83号` across two lines misreads.

/// A page body with its official parts marked.
#[derive(Debug, Default)]
pub struct Marked {
    pub html: String,
    /// The body ends its letter with a signature (落款) of its own.
    pub signed: bool,
    /// The body has a note (附注) such as `（此件主动公开）`.
    pub noted: bool,
    /// The body has an attachment note (`附件：…`).
    pub lists_attachments: bool,
}

/// Who signs a notice or policy, for the signature and note the printed page
/// adds when the body has none of its own.
pub struct Letter<'a> {
    /// 发文机关, each on its own line (a joint notice lists every issuer).
    pub organs: &'a [String],
    /// 成文日期 as paper has it: `2022年6月20日`.
    pub date: &'a str,
    /// 主动公开 | 依申请公开, for the note `（此件主动公开）`.
    pub disclosure: &'a str,
}

/// Marks the official parts of `html` (the Markdown renderer's output: one
/// `<p>…</p>` per paragraph) and keeps dates and document numbers whole. For a
/// `letter`, a body without a signature or a note gets print-only ones, placed
/// before the imprint at its end, where GB/T 9704 has them.
pub fn mark(html: &str, letter: Option<&Letter<'_>>) -> Marked {
    let paragraphs = paragraphs(html);
    let mut classes: Vec<Option<&'static str>> = paragraphs.iter().map(|p| classify(&p.text)).collect();
    // An organ's name right above a date-only paragraph is the signature's first line.
    for i in 1..paragraphs.len() {
        let (before, this) = (&paragraphs[i - 1], &paragraphs[i]);
        let adjacent = html[before.end..this.start].trim().is_empty();
        if classes[i] == Some("signature-date") && classes[i - 1].is_none() && adjacent && is_organ(&before.text) {
            classes[i - 1] = Some("signature");
        }
    }
    let mut marked = Marked {
        signed: classes.contains(&Some("signature-date")),
        noted: classes.contains(&Some("note")),
        lists_attachments: classes.contains(&Some("attachment-note")),
        ..Marked::default()
    };
    // Where an added signature goes: before the note and imprint that end the body.
    let mut closing = html.len();
    if paragraphs.last().is_some_and(|p| html[p.end..].trim().is_empty()) {
        for (p, class) in paragraphs.iter().zip(&classes).rev() {
            if !matches!(class, Some("note" | "cc" | "imprint")) {
                break;
            }
            closing = p.start;
        }
    }
    if let Some(first) = paragraphs.first() {
        let before = &html[..first.start];
        let addressed = first.text.ends_with('：') || first.text.ends_with(':');
        if classes[0].is_none() && addressed && first.text.chars().count() <= 120 && !before.contains("<h") {
            classes[0] = Some("addressee");
        }
    }
    let mut added = String::new();
    if let Some(letter) = letter {
        if !marked.signed {
            let organs: Vec<String> = letter.organs.iter().map(|o| escape(o)).collect();
            added.push_str("<div class=\"signature-block print-only\">");
            added.push_str(&format!("<p class=\"signature\">{}</p>", organs.join("<br>")));
            added.push_str(&format!("<p class=\"signature-date\">{}</p></div>\n", escape(letter.date)));
        }
        if !marked.noted {
            added.push_str(&format!("<p class=\"note print-only\">（此件{}）</p>\n", escape(letter.disclosure)));
        }
    }
    let mut out = String::with_capacity(html.len() + added.len() + 64);
    let mut at = 0;
    for (i, (p, class)) in paragraphs.iter().zip(&classes).enumerate() {
        out.push_str(&html[at..p.start]);
        if p.start == closing {
            out.push_str(&std::mem::take(&mut added));
        }
        let opens_block = *class == Some("signature")
            || (*class == Some("signature-date") && (i == 0 || classes[i - 1] != Some("signature")));
        if opens_block {
            out.push_str("<div class=\"signature-block\">");
        }
        match class {
            Some("imprint") => out.push_str(&imprint(&p.text)),
            Some(class) => {
                out.push_str(&format!("<p class=\"{class}\">"));
                out.push_str(&html[p.start + "<p>".len()..p.end]);
            }
            None => out.push_str(&html[p.start..p.end]),
        }
        if *class == Some("signature-date") {
            out.push_str("</div>");
        }
        at = p.end;
    }
    out.push_str(&html[at..]);
    out.push_str(&added);
    marked.html = keep_whole(&out);
    marked
}

/// The imprint line (`科学技术部办公厅　2022年6月20日印发`) with the printing organ
/// and the date apart: paper has one at the left, the other at the right. `text`
/// is the paragraph's text as the HTML has it (already escaped).
fn imprint(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let date_at =
        (0..chars.len()).find(|&i| chinese_date(&chars, i).is_some() && (i == 0 || !chars[i - 1].is_ascii_digit()));
    match date_at {
        Some(i) => {
            let organ: String = chars[..i].iter().collect();
            let date: String = chars[i..].iter().collect();
            format!(
                "<p class=\"imprint\"><span class=\"imprint-organ\">{}</span> <span class=\"imprint-date\">{}</span></p>",
                organ.trim(),
                date.trim()
            )
        }
        None => format!("<p class=\"imprint\">{text}</p>"),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A `<p>` of the body: where it starts and ends in the HTML, and its text.
struct Paragraph {
    start: usize,
    end: usize,
    text: String,
}

fn paragraphs(html: &str) -> Vec<Paragraph> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = html[from..].find("<p>") {
        let start = from + offset;
        let Some(close) = html[start..].find("</p>") else { break };
        let end = start + close + "</p>".len();
        found.push(Paragraph { start, end, text: text_of(&html[start..end]).trim().to_string() });
        from = end;
    }
    found
}

/// The text of an HTML fragment, tags left out.
fn text_of(fragment: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

fn classify(text: &str) -> Option<&'static str> {
    if is_date(text) {
        Some("signature-date")
    } else if (text.starts_with('（') || text.starts_with('(')) && text.contains("此件") {
        Some("note")
    } else if text.starts_with("抄送：") || text.starts_with("抄送:") {
        Some("cc")
    } else if text.ends_with("印发") && text.chars().any(|c| c.is_ascii_digit()) {
        Some("imprint")
    } else if text.starts_with("附件：") || text.starts_with("附件:") {
        Some("attachment-note")
    } else {
        None
    }
}

/// `2022年6月20日`, as a whole paragraph: the date of a signature (成文日期).
fn is_date(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    matches!(chinese_date(&chars, 0), Some(end) if end == chars.len() && chars.last() == Some(&'日'))
}

/// A line that can be an organ's name: short, no sentence punctuation.
fn is_organ(text: &str) -> bool {
    let n = text.chars().count();
    (2..=40).contains(&n) && !text.contains(['。', '，', '：', '；', '、', ',', ':', ';', '（', '('])
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Number of ASCII digits at `at`, at most `max`.
fn digits(chars: &[char], at: usize, max: usize) -> usize {
    chars[at.min(chars.len())..].iter().take(max).take_while(|c| c.is_ascii_digit()).count()
}

/// `2022年6月` or `2022年6月20日` starting at `at`: the index after it.
fn chinese_date(chars: &[char], at: usize) -> Option<usize> {
    let mut i = at;
    if digits(chars, i, 5) != 4 || chars.get(i + 4) != Some(&'年') {
        return None;
    }
    i += 5;
    let month = digits(chars, i, 3);
    if !(1..=2).contains(&month) || chars.get(i + month) != Some(&'月') {
        return None;
    }
    i += month + 1;
    let day = digits(chars, i, 3);
    if (1..=2).contains(&day) && chars.get(i + day) == Some(&'日') {
        i += day + 1;
    }
    Some(i)
}

/// `2022-12-31` starting at `at`: the index after it.
fn iso_date(chars: &[char], at: usize) -> Option<usize> {
    let mut i = at;
    if digits(chars, i, 5) != 4 || chars.get(i + 4) != Some(&'-') {
        return None;
    }
    i += 5;
    let month = digits(chars, i, 3);
    if !(1..=2).contains(&month) || chars.get(i + month) != Some(&'-') {
        return None;
    }
    i += month + 1;
    let day = digits(chars, i, 3);
    (1..=2).contains(&day).then_some(i + day)
}

/// `〔2022〕83号` starting at `at` (the issuer code before it is taken separately).
fn doc_number_tail(chars: &[char], at: usize) -> Option<usize> {
    if chars.get(at) != Some(&'〔') || digits(chars, at + 1, 5) != 4 || chars.get(at + 5) != Some(&'〕') {
        return None;
    }
    let serial = digits(chars, at + 6, 8);
    (serial > 0 && chars.get(at + 6 + serial) == Some(&'号')).then_some(at + 7 + serial)
}

/// Longest issuer code taken into a kept-whole document number.
const ISSUER_CODE_MAX: usize = 5;

/// Wraps dates and document numbers outside tags in `<span class="unbroken">`.
fn keep_whole(html: &str) -> String {
    let chars: Vec<char> = html.chars().collect();
    let mut out = String::with_capacity(html.len() + 256);
    // Byte offset in `out` from which text may be moved into a span (after the
    // last tag or span), for the issuer code before a document number's `〔`.
    let mut text_from = 0;
    let mut in_tag = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_tag {
            out.push(c);
            if c == '>' {
                in_tag = false;
                text_from = out.len();
            }
            i += 1;
            continue;
        }
        if c == '<' {
            in_tag = true;
            out.push(c);
            i += 1;
            continue;
        }
        let after_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let date = if after_digit { None } else { chinese_date(&chars, i).or_else(|| iso_date(&chars, i)) };
        if let Some(end) = date.filter(|&end| !chars.get(end).is_some_and(|c| c.is_ascii_digit())) {
            out.push_str("<span class=\"unbroken\">");
            out.extend(&chars[i..end]);
            out.push_str("</span>");
            text_from = out.len();
            i = end;
            continue;
        }
        if let Some(end) = doc_number_tail(&chars, i) {
            let code_start = out[text_from..]
                .char_indices()
                .rev()
                .take_while(|(_, c)| is_han(*c))
                .take(ISSUER_CODE_MAX)
                .last()
                .map_or(out.len(), |(at, _)| text_from + at);
            let code = out.split_off(code_start);
            out.push_str("<span class=\"unbroken\">");
            out.push_str(&code);
            out.extend(&chars[i..end]);
            out.push_str("</span>");
            text_from = out.len();
            i = end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joint_notice_without_signature_is_signed_before_its_note_and_imprint_on_paper() {
        let html = "<p>请各单位认真组织。</p>\n<p>（此件主动公开）</p>\n<p>科学技术部办公厅　2022年6月20日印发</p>\n";
        let organs = ["科技部办公厅".to_string(), "教育部办公厅".to_string()];
        let letter = Letter { organs: &organs, date: "2022年6月20日", disclosure: "主动公开" };
        let out = mark(html, Some(&letter)).html;
        let signature = out
            .find("<div class=\"signature-block print-only\"><p class=\"signature\">科技部办公厅<br>教育部办公厅</p>")
            .expect(&out);
        let date = out
            .find("<p class=\"signature-date\"><span class=\"unbroken\">2022年6月20日</span></p></div>")
            .expect(&out);
        let note = out.find("<p class=\"note\">（此件主动公开）</p>").expect(&out);
        let body = out.find("请各单位认真组织。").expect(&out);
        assert!(body < signature && signature < date && date < note, "{out}");
        assert_eq!(out.matches("此件").count(), 1, "the body's own note is not repeated: {out}");
    }

    #[test]
    fn a_signed_body_gets_only_the_missing_note_before_its_cc_line() {
        let html = "<p>中国科协</p>\n<p>2020年8月14日</p>\n<p>正文。</p>\n<p>抄送：各直属单位。</p>\n<p>中国科协办公厅　2020年8月17日印发</p>\n";
        let organs = ["中国科协".to_string()];
        let letter = Letter { organs: &organs, date: "2020年8月14日", disclosure: "主动公开" };
        let out = mark(html, Some(&letter)).html;
        assert!(!out.contains("signature-block print-only"), "{out}");
        let note = out.find("<p class=\"note print-only\">（此件主动公开）</p>").expect(&out);
        assert!(out.find("正文。").expect(&out) < note && note < out.find("抄送").expect(&out), "{out}");
    }

    #[test]
    fn joint_notice_end_is_marked_as_note_and_imprint() {
        // The end of 国科办监〔2022〕83号 as content/ has it.
        let html = "<p>附件：</p>\n<ol>\n<li><a href=\"a.txt\">线上培训平台操作指南</a></li>\n</ol>\n\
                    <p>（此件主动公开）</p>\n<p>科学技术部办公厅　2022年6月20日印发</p>\n";
        let marked = mark(html, None);
        assert!(marked.html.contains("<p class=\"attachment-note\">附件：</p>"), "{}", marked.html);
        assert!(marked.html.contains("<p class=\"note\">（此件主动公开）</p>"), "{}", marked.html);
        assert!(
            marked.html.contains("<p class=\"imprint\"><span class=\"imprint-organ\">科学技术部办公厅</span> <span class=\"imprint-date\"><span class=\"unbroken\">2022年6月20日</span>印发</span></p>"),
            "{}",
            marked.html
        );
        assert!(marked.noted && marked.lists_attachments);
        assert!(!marked.signed, "no signature in the body: the page adds one when printed");
    }

    #[test]
    fn organ_above_a_date_is_the_signature_and_cc_is_marked() {
        let html = "<p>各全国学会：</p>\n<p>请结合实际认真贯彻落实。</p>\n<p>中国科协</p>\n<p>2020年8月14日</p>\n\
                    <p>抄送：中国科协机关各部门，各直属单位。</p>\n";
        let marked = mark(html, None);
        assert!(
            marked.html.contains("<div class=\"signature-block\"><p class=\"signature\">中国科协</p>\n<p class=\"signature-date\"><span class=\"unbroken\">2020年8月14日</span></p></div>"),
            "{}",
            marked.html
        );
        assert!(marked.html.contains("<p class=\"cc\">抄送："));
        assert!(marked.html.starts_with("<p class=\"addressee\">各全国学会：</p>"), "{}", marked.html);
        assert!(marked.html.contains("<p>请结合实际认真贯彻落实。</p>"), "a sentence is not an organ");
        assert!(marked.signed);
    }

    #[test]
    fn dates_and_document_numbers_are_kept_whole_outside_tags() {
        let html = "<p>截止日期为2022-12-31，依据国科办监〔2022〕83号，于2022年6—12月举办。</p>\
                    <p><a href=\"/x/2022-12-31/\">见冀科平函〔2023〕16号</a></p>";
        let out = mark(html, None).html;
        assert!(out.contains("为<span class=\"unbroken\">2022-12-31</span>，"), "{out}");
        // The issuer code goes with its number (a character or so before it may
        // come along: the code's length is not known, and that harms nothing).
        assert!(out.contains("<span class=\"unbroken\">据国科办监〔2022〕83号</span>"), "{out}");
        assert!(out.contains("href=\"/x/2022-12-31/\""), "attributes are left alone: {out}");
        assert!(out.contains("见冀科平函〔2023〕16号</span></a>"), "{out}");
        assert!(out.contains("于2022年6—12月"), "a span of months is not a date: {out}");
    }

    #[test]
    fn numbers_that_only_look_like_dates_are_left_alone() {
        let out = mark("<p>编号12022-12-31和2022-123-1，电话010-62165119。</p>", None).html;
        assert!(!out.contains("unbroken"), "{out}");
    }
}
