//! Exact decimal numbers for form values.
//!
//! Funding is reported in 万元 with two decimals and the report refuses parts that do
//! not add up to their total; with `f64`, 0.1 + 0.2 ≠ 0.3 and a correct report would
//! be refused. Values are kept as an integer mantissa and a count of decimal places.
//! Parsing follows HTML's "valid floating-point number" (what `<input type=number>`
//! accepts), so the browser and the server agree on what a number is.

use std::cmp::Ordering;
use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

/// More decimal places than any form needs; longer input is refused rather than rounded.
const MAX_SCALE: u32 = 9;
/// Significant digits accepted; keeps every sum far from `i128` overflow.
const MAX_DIGITS: usize = 24;

/// A decimal number: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { mantissa: 0, scale: 0 };
    pub const ONE: Decimal = Decimal { mantissa: 1, scale: 0 };

    pub fn from_i64(value: i64) -> Decimal {
        Decimal { mantissa: value as i128, scale: 0 }
    }

    /// Parses an HTML valid floating-point number: `-?(D+(.D+)?|.D+)([eE][+-]?D+)?`.
    /// Returns `None` for anything else, and for numbers too long or too precise.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (number, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match number.split_once('.') {
            Some((int, frac)) if !frac.is_empty() => (int, frac),
            Some(_) => return None,
            None => (number, ""),
        };
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let exponent: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                e.parse().ok()?
            }
        };
        let digits = format!("{int}{frac}");
        let significant = digits.trim_start_matches('0');
        if significant.len() > MAX_DIGITS {
            return None;
        }
        let mut mantissa: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
        let mut scale = frac.len() as i64 - exponent;
        if scale < 0 {
            mantissa = mantissa.checked_mul(10i128.checked_pow(u32::try_from(-scale).ok()?)?)?;
            if mantissa.unsigned_abs() >= 10u128.pow(MAX_DIGITS as u32) {
                return None;
            }
            scale = 0;
        }
        while scale > MAX_SCALE as i64 && mantissa % 10 == 0 && mantissa != 0 {
            mantissa /= 10;
            scale -= 1;
        }
        if mantissa == 0 {
            scale = 0;
        }
        if scale > MAX_SCALE as i64 {
            return None;
        }
        let mantissa = if negative { -mantissa } else { mantissa };
        Some(Decimal { mantissa, scale: scale as u32 }.normalised())
    }

    /// Reads a JSON number through its decimal text, so `12.34` stays exactly 12.34.
    pub fn from_json(number: &serde_json::Number) -> Option<Decimal> {
        Decimal::parse(&number.to_string())
    }

    fn normalised(self) -> Decimal {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Both mantissas at a common scale.
    fn aligned(self, other: Decimal) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        let a = self.mantissa.checked_mul(10i128.checked_pow(scale - self.scale)?)?;
        let b = other.mantissa.checked_mul(10i128.checked_pow(scale - other.scale)?)?;
        Some((a, b, scale))
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Decimal { mantissa: a.checked_add(b)?, scale }.normalised())
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Decimal { mantissa: a.checked_sub(b)?, scale }.normalised())
    }

    /// Whether `self` is a whole multiple of a positive `step`.
    pub fn is_multiple_of(self, step: Decimal) -> bool {
        match self.aligned(step) {
            Some((_, 0, _)) | None => false,
            Some((a, s, _)) => a % s == 0,
        }
    }

    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    pub fn is_integer(self) -> bool {
        self.normalised().scale == 0
    }

    /// Digits after the decimal point once trailing zeros are dropped (0.50 → 1).
    pub fn decimal_places(self) -> u32 {
        self.normalised().scale
    }

    /// The JSON form of a normalised value: an integer when the value is whole,
    /// otherwise a float (exact for the few decimals forms use).
    pub fn to_json(self) -> Value {
        let d = self.normalised();
        if d.scale == 0 {
            if let Ok(i) = i64::try_from(d.mantissa) {
                return Value::from(i);
            }
        }
        d.to_string().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match self.aligned(*other) {
            Some((a, b, _)) => a.cmp(&b),
            // Only reachable far outside MAX_DIGITS; fall back to a float comparison.
            None => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl Decimal {
    fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.normalised();
        let sign = if d.mantissa < 0 { "-" } else { "" };
        let digits = d.mantissa.unsigned_abs().to_string();
        if d.scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let scale = d.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn parses_what_html_number_inputs_accept() {
        assert_eq!(d("12").to_string(), "12");
        assert_eq!(d("-3.50").to_string(), "-3.5");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("1e3").to_string(), "1000");
        assert_eq!(d("1.5E-2").to_string(), "0.015");
        assert_eq!(d("007").to_string(), "7");
    }

    #[test]
    fn refuses_what_html_number_inputs_refuse() {
        for s in ["", "-", ".", "5.", "+5", "1,000", "1 000", "abc", "1e", "0x10", "١٢", "1.2.3", "1e99999"] {
            assert!(Decimal::parse(s).is_none(), "{s:?} should not parse");
        }
    }

    #[test]
    fn decimal_sums_are_exact() {
        let sum = d("0.1").checked_add(d("0.2")).unwrap();
        assert_eq!(sum, d("0.3"));
        assert_eq!(d("100.00").checked_sub(d("0.01")).unwrap().to_string(), "99.99");
    }

    #[test]
    fn multiples_of_a_step_are_recognised() {
        assert!(d("12.34").is_multiple_of(d("0.01")));
        assert!(!d("12.345").is_multiple_of(d("0.01")));
        assert!(d("2.5").is_multiple_of(d("0.5")));
        assert!(!d("3").is_multiple_of(d("2")));
    }

    #[test]
    fn json_form_is_an_integer_when_whole() {
        assert_eq!(d("12.00").to_json(), serde_json::json!(12));
        assert_eq!(d("12.34").to_json(), serde_json::json!(12.34));
        assert_eq!(Decimal::from_json(&serde_json::Number::from_f64(0.1).unwrap()), Some(d("0.1")));
    }
}
