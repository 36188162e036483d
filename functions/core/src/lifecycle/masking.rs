//! Personal data shown to someone who holds only a receipt code: enough to recognise
//! one's own registration, not enough to learn someone else's contact details.

fn keep(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return chars.iter().take(1).chain(std::iter::repeat_n(&'*', chars.len().saturating_sub(1))).collect();
    }
    let hidden = chars.len() - head - tail;
    chars[..head].iter().chain(std::iter::repeat_n(&'*', hidden)).chain(chars[chars.len() - tail..].iter()).collect()
}

/// 张三丰 → 张**
pub fn name(s: &str) -> String {
    keep(s, 1, 0)
}

/// 18620687239 → 186****7239
pub fn phone(s: &str) -> String {
    keep(s, 3, 4)
}

/// zhang.san@example.org → z***@example.org
pub fn email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => keep(s, 1, 0),
    }
}

/// An account name shown in a case's progress: e-mail addresses, mobile numbers and
/// ID numbers (some systems use them as user names) masked, other names as they are.
pub fn account(s: &str) -> String {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if s.contains('@') {
        email(s)
    } else if s.len() == 11 && digits == 11 {
        phone(s)
    } else if s.len() == 18 && digits >= 17 {
        gazette_forms::id_number::mask(s)
    } else {
        s.to_owned()
    }
}

/// Masks the account names (`{"by": {"id": …}}`, `uploaded_by`, `created_by`) in a
/// case's JSON view, at any depth.
pub fn accounts_in(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if matches!(key.as_str(), "by" | "uploaded_by" | "created_by")
                    && let Some(serde_json::Value::String(id)) = v.get_mut("id")
                {
                    *id = account(id);
                }
                accounts_in(v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(accounts_in),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_names_that_are_personal_data_are_masked() {
        assert_eq!(super::account("zhang.san@example.org"), "z***@example.org");
        assert_eq!(super::account("18620687239"), "186****7239");
        assert_eq!(super::account("11010519491231002X"), "1101051949****002X");
        assert_eq!(super::account("hebei-admin"), "hebei-admin");
    }

    #[test]
    fn masks_keep_only_what_identifies_the_owner() {
        assert_eq!(super::name("张三丰"), "张**");
        assert_eq!(super::name("李"), "李");
        assert_eq!(super::phone("18620687239"), "186****7239");
        assert_eq!(super::phone("123"), "1**");
        assert_eq!(super::email("zhang.san@example.org"), "z***@example.org");
    }
}
