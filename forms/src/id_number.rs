//! 公民身份号码 — the 18-character Chinese resident ID number (GB 11643-1999):
//! a 6-digit region code, an 8-digit birth date, a 3-digit sequence number and a
//! check character computed with ISO 7064 MOD 11-2 (`0`–`9` or `X`).
//!
//! Integrity cases record authors' ID numbers; they are checked on the way in and
//! shown only masked (`110105********0428`) everywhere except to the record's owner.

use thiserror::Error;

/// Weights of the first 17 digits in the check-character sum.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum mod 11.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level codes (GB/T 2260) an ID number can start with; 71/81/82/83 are the
/// Taiwan, Hong Kong and Macao residence-permit prefixes.
const PROVINCES: [u32; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// Why an ID number is not valid, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IdNumberError {
    #[error("must be 18 characters long")]
    Length,
    #[error("must be 17 digits followed by a digit or X")]
    Characters,
    #[error("the first two digits are not a province code")]
    Region,
    #[error("digits 7 to 14 are not a real date of birth")]
    BirthDate,
    #[error("the last character does not match the check digit")]
    CheckCharacter,
}

/// Checks an 18-character ID number: characters, province code, date of birth (a real
/// date from 1900 up to today) and check character. A lowercase `x` is accepted.
pub fn validate(number: &str) -> Result<(), IdNumberError> {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() != 18 {
        return Err(IdNumberError::Length);
    }
    if !chars[..17].iter().all(char::is_ascii_digit)
        || !(chars[17].is_ascii_digit() || chars[17] == 'X' || chars[17] == 'x')
    {
        return Err(IdNumberError::Characters);
    }
    let digit = |i: usize| chars[i].to_digit(10).unwrap_or(0);
    if !PROVINCES.contains(&(digit(0) * 10 + digit(1))) {
        return Err(IdNumberError::Region);
    }
    let number_at = |from: usize, len: usize| (from..from + len).fold(0u32, |n, i| n * 10 + digit(i));
    let (year, month, day) = (number_at(6, 4), number_at(10, 2), number_at(12, 2));
    let born = jiff::civil::Date::new(year as i16, month as i8, day as i8).map_err(|_| IdNumberError::BirthDate)?;
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::offset(8).to_time_zone()).date();
    if year < 1900 || born > today {
        return Err(IdNumberError::BirthDate);
    }
    let first17: String = chars[..17].iter().collect();
    if check_character(&first17) != Some(chars[17].to_ascii_uppercase()) {
        return Err(IdNumberError::CheckCharacter);
    }
    Ok(())
}

/// The check character for the first 17 digits, or `None` if they are not 17 digits.
pub fn check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Hides an ID number for display as the registry shows it (seed 004:
/// `1101052020****0428`): the month and day of birth become four stars, the first ten
/// and last four characters of an 18-character number stay. Never panics: input too
/// short to keep anything secret (under 15 characters) becomes `********`, and empty
/// input stays empty.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        n if n < 15 => "********".to_string(),
        n => {
            let head: String = chars[..n - 8].iter().collect();
            let tail: String = chars[n - 4..].iter().collect();
            format!("{head}****{tail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_format_numbers_with_correct_check_characters_are_valid() {
        for n in [
            "11010519491231002X",
            "11010519491231002x",
            "110105202004080422",
            "440304199001011233",
            "330106198511305014",
            "650102200102280011",
        ] {
            assert_eq!(validate(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        // The example from the registry's screenshots ends in 8; its check character is 2.
        assert_eq!(validate("110105202004080428"), Err(IdNumberError::CheckCharacter));
        assert_eq!(validate("440304199001011234"), Err(IdNumberError::CheckCharacter));
        assert_eq!(check_character("11010520200408042"), Some('2'));
    }

    #[test]
    fn length_characters_region_and_birth_date_are_checked() {
        assert_eq!(validate("11010519491231002"), Err(IdNumberError::Length));
        assert_eq!(validate("1101051949123100XX"), Err(IdNumberError::Characters));
        assert_eq!(validate("１１0105194912310020"), Err(IdNumberError::Characters));
        assert_eq!(validate("990105194912310021"), Err(IdNumberError::Region));
        // 1949-02-30 does not exist.
        assert_eq!(validate("110105194902300021"), Err(IdNumberError::BirthDate));
        // Born in 2999.
        assert_eq!(validate("110105299901010021"), Err(IdNumberError::BirthDate));
    }

    #[test]
    fn mask_keeps_the_first_ten_and_last_four_as_the_registry_shows_them() {
        assert_eq!(mask("110105202004080428"), "1101052020****0428");
        assert_eq!(mask("11010519491231002X"), "1101051949****002X");
    }

    #[test]
    fn mask_never_panics_on_short_or_odd_input() {
        assert_eq!(mask(""), "");
        assert_eq!(mask("1"), "********");
        assert_eq!(mask("12345678901234"), "********");
        assert_eq!(mask("证件号码证件号码证件号码证件号码一二三四"), "证件号码证件号码证件号码****一二三四");
        assert_eq!(mask("  110105202004080428 "), "1101052020****0428");
    }
}
