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

#[cfg(test)]
mod tests {
    #[test]
    fn masks_keep_only_what_identifies_the_owner() {
        assert_eq!(super::name("张三丰"), "张**");
        assert_eq!(super::name("李"), "李");
        assert_eq!(super::phone("18620687239"), "186****7239");
        assert_eq!(super::phone("123"), "1**");
        assert_eq!(super::email("zhang.san@example.org"), "z***@example.org");
    }
}
