//! Passwords: Argon2id hashes (the `argon2` crate's defaults, PHC strings with their
//! own salt and parameters, so stronger settings later still read older hashes),
//! random one-time passwords, and the rules a chosen password must meet.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

use super::{AccountError, AccountResult};

/// Shortest password a person may choose.
pub const MIN_LENGTH: usize = 10;

/// Letters and digits that cannot be mistaken for one another when read from a
/// message (no 0/O, 1/l/I).
const ONE_TIME_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// Length of a one-time password: 14 characters of 56 ≈ 81 bits.
const ONE_TIME_LENGTH: usize = 14;

/// The PHC string of `password` (Argon2id, random salt).
pub fn hash(password: &str) -> AccountResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Provider(format!("password hashing failed: {e}")))
}

/// Whether `password` matches the stored PHC string; a string that cannot be read
/// matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A random one-time password, to be changed at first sign-in.
pub fn one_time() -> String {
    let mut rng = rand::rng();
    (0..ONE_TIME_LENGTH).map(|_| ONE_TIME_ALPHABET[rng.random_range(0..ONE_TIME_ALPHABET.len())] as char).collect()
}

/// A password a person chose: at least [`MIN_LENGTH`] characters, letters and digits
/// both, not the username. The error names the field `new_password`.
pub fn check_new(username: &str, password: &str) -> AccountResult<()> {
    let invalid = |message: &str| Err(AccountError::Invalid { field: "new_password", message: message.into() });
    if password.chars().count() < MIN_LENGTH {
        return invalid(&format!("新密码至少 {MIN_LENGTH} 个字符。"));
    }
    if !password.chars().any(|c| c.is_alphabetic()) || !password.chars().any(|c| c.is_ascii_digit()) {
        return invalid("新密码须同时包含字母和数字。");
    }
    if password.eq_ignore_ascii_case(username) {
        return invalid("新密码不能与账号相同。");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse 42").unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse 42", &stored));
        assert!(!verify("correct horse 43", &stored));
        assert!(!verify("correct horse 42", "not a hash"));
    }

    #[test]
    fn one_time_passwords_differ_and_avoid_lookalikes() {
        let (a, b) = (one_time(), one_time());
        assert_ne!(a, b);
        assert_eq!(a.len(), ONE_TIME_LENGTH);
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']), "{a}");
    }

    #[test]
    fn a_short_or_letters_only_password_is_refused_on_its_field() {
        for weak in ["short1", "onlyletterslong", "filler-001", "1234567890"] {
            let err = check_new("filler-001", weak).unwrap_err();
            assert!(matches!(err, AccountError::Invalid { field: "new_password", .. }), "{weak}: {err}");
        }
        assert!(check_new("filler-001", "river stone 2024").is_ok());
    }
}
