//! 发文字号: the document number of an official notice, e.g. 国科办监〔2022〕83号 —
//! issuer code 国科办监, year 2022, serial 83.

use std::fmt;

use serde::Serialize;

use crate::error::Message;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DocNumber {
    /// 机关代字, e.g. 国科办监.
    pub issuer_code: String,
    pub year: i32,
    /// 发文顺序号.
    pub serial: u32,
}

impl DocNumber {
    /// Parses the canonical form and the ways people type it: `〔2022〕`, `[2022]`,
    /// `(2022)`, `（2022）`, `【2022】`, with or without the trailing 号.
    pub fn parse(text: &str) -> Result<DocNumber, Message> {
        let text = text.trim();
        let example = "expected issuer code, year in 〔〕 and serial, like 国科办监〔2022〕83号";
        let example_zh = "应为机关代字、〔〕中的年份和发文顺序号，如 国科办监〔2022〕83号";
        let problem = |zh: String, en: String| Message::new(format!("{zh}；{example_zh}"), format!("{en}; {example}"));
        let open =
            text.char_indices().find(|(_, c)| matches!(c, '〔' | '[' | '(' | '（' | '【' | '［')).ok_or_else(|| {
                problem(format!("\"{text}\"：没有括号中的年份"), format!("\"{text}\": no year in brackets"))
            })?;
        let issuer_code = text[..open.0].trim();
        let after_open = &text[open.0 + open.1.len_utf8()..];
        let close =
            after_open.char_indices().find(|(_, c)| matches!(c, '〕' | ']' | ')' | '）' | '】' | '］')).ok_or_else(
                || problem(format!("\"{text}\"：年份括号未闭合"), format!("\"{text}\": year bracket not closed")),
            )?;
        let year_text = after_open[..close.0].trim();
        let serial_text = after_open[close.0 + close.1.len_utf8()..].trim();
        let serial_text = serial_text.strip_suffix('号').unwrap_or(serial_text).trim();

        if issuer_code.is_empty() || issuer_code.chars().any(|c| c.is_ascii_digit() || c.is_whitespace()) {
            return Err(problem(
                format!("\"{text}\"：年份前的机关代字缺失或有误"),
                format!("\"{text}\": issuer code (机关代字) before the year is missing or malformed"),
            ));
        }
        let year: i32 = year_text.parse().ok().filter(|y| (1949..=2100).contains(y)).ok_or_else(|| {
            problem(
                format!("\"{text}\"：年份 \"{year_text}\" 不是四位数年份"),
                format!("\"{text}\": year \"{year_text}\" is not a four-digit year"),
            )
        })?;
        let serial: u32 = serial_text.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
            problem(
                format!("\"{text}\"：发文顺序号 \"{serial_text}\" 不是正整数"),
                format!("\"{text}\": serial \"{serial_text}\" is not a positive number"),
            )
        })?;
        Ok(DocNumber { issuer_code: issuer_code.to_string(), year, serial })
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕{}号", self.issuer_code, self.year, self.serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_issuer_code_year_and_serial() {
        let number = DocNumber::parse("国科办监〔2022〕83号").unwrap();
        assert_eq!(number.issuer_code, "国科办监");
        assert_eq!(number.year, 2022);
        assert_eq!(number.serial, 83);
        assert_eq!(number.to_string(), "国科办监〔2022〕83号");
    }

    #[test]
    fn accepts_typed_variants_and_normalises_them() {
        for typed in ["国科办监[2022]83号", "国科办监(2022)83号", "国科办监（2022）83", "国科办监【2022】83号"]
        {
            assert_eq!(DocNumber::parse(typed).unwrap().to_string(), "国科办监〔2022〕83号", "{typed}");
        }
    }

    #[test]
    fn refuses_malformed_numbers() {
        for bad in [
            "国科办监2022年83号",
            "〔2022〕83号",
            "国科办监〔22〕83号",
            "国科办监〔2022〕号",
            "国科办监〔2022〕0号",
            "国科办监〔2022 83号",
        ] {
            assert!(DocNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
