use serde_json::json;

use super::*;

fn valid() -> Value {
    json!({
        "course": "kjcgpj-zhengce-shiwu",
        "name": "  张三 ",
        "organisation": "科技部科技评估中心",
        "position": "副研究员",
        "phone": "18620687239",
        "email": "zhangsan@ncste.org",
        "region": "beijing",
        "consent": "on",
        "website": ""
    })
}

#[test]
fn a_valid_registration_passes_and_is_normalised() {
    let mut input = valid();
    input["unknown"] = json!("dropped");
    let out = ok(form("registration"), &input);
    assert_eq!(out["name"], "张三");
    assert_eq!(out["consent"], true);
    assert!(out.get("website").is_none(), "the honeypot is never stored");
    assert!(out.get("unknown").is_none(), "unknown keys are dropped");
    assert_eq!(out.as_object().map(|o| o.len()), Some(8));
}

#[test]
fn an_empty_registration_reports_every_required_field_at_once_in_form_order() {
    let e = errors(form("registration"), &json!({}), Lang::Zh);
    assert_eq!(
        e.paths().collect::<Vec<_>>(),
        ["course", "name", "organisation", "position", "phone", "email", "region", "consent"]
    );
    assert_eq!(e.get("name"), Some("请填写“姓名”"));
    assert_eq!(e.get("region"), Some("请选择“所在地区”"));
    assert!(e.get("consent").is_some_and(|m| m.starts_with("请勾选“我同意")));
}

#[test]
fn a_phone_that_is_not_a_mainland_mobile_number_is_refused_in_both_languages() {
    let s = form("registration");
    for bad in ["1862068723", "28620687239", "1862068723a", "12620687239"] {
        let input = with(&valid(), &[("phone", json!(bad))]);
        assert_eq!(errors(s, &input, Lang::Zh).get("phone"), Some("“手机”格式不正确，应为 11 位手机号"), "{bad}");
        assert_eq!(errors(s, &input, Lang::En).get("phone"), Some("Phone: must be an 11-digit mobile number"), "{bad}");
    }
}

#[test]
fn an_email_address_must_be_what_html_accepts() {
    let s = form("registration");
    for bad in ["zhangsan", "zhang san@ncste.org", "a@-b.org", "@ncste.org"] {
        let input = with(&valid(), &[("email", json!(bad))]);
        assert_eq!(
            errors(s, &input, Lang::Zh).get("email"),
            Some("“邮箱”格式不正确，应为电子邮箱地址，如 name@example.com"),
            "{bad}"
        );
    }
    ok(s, &with(&valid(), &[("email", json!("a.b+c@mail.example.cn"))]));
}

#[test]
fn a_region_must_be_one_of_the_listed_options() {
    let input = with(&valid(), &[("region", json!("taipei"))]);
    let e = errors(form("registration"), &input, Lang::En);
    assert_eq!(e.get("region"), Some("Region: choose one of the listed options"));
}

#[test]
fn the_region_list_is_the_31_provinces_the_corps_and_central_bodies() {
    let region = form("registration").field("region").unwrap();
    assert_eq!(region.options().len(), 33);
    assert_eq!(region.option("bingtuan").map(|o| o.label(Lang::Zh)), Some("新疆生产建设兵团"));
    assert_eq!(region.option("zhongyang").map(|o| o.label(Lang::Zh)), Some("中央单位"));
}

#[test]
fn the_course_slug_must_look_like_a_slug() {
    let input = with(&valid(), &[("course", json!("Bad Slug!"))]);
    assert!(errors(form("registration"), &input, Lang::Zh).get("course").is_some_and(|m| m.contains("格式不正确")));
}

#[test]
fn maxlength_counts_characters_as_html_does() {
    let s = form("registration");
    ok(s, &with(&valid(), &[("name", json!("张".repeat(50)))]));
    let e = errors(s, &with(&valid(), &[("name", json!("张".repeat(51)))]), Lang::Zh);
    assert_eq!(e.get("name"), Some("“姓名”不能超过 50 个字"));
}

#[test]
fn line_breaks_in_a_single_line_field_are_removed() {
    let out = ok(form("registration"), &with(&valid(), &[("organisation", json!("科技部\r\n科技评估中心"))]));
    assert_eq!(out["organisation"], "科技部科技评估中心");
}

#[test]
fn a_filled_honeypot_marks_the_submission_as_spam_and_is_refused() {
    let s = form("registration");
    let input = with(&valid(), &[("website", json!("http://spam.example"))]);
    assert!(s.is_spam(&input));
    assert!(!s.is_spam(&valid()));
    assert!(errors(s, &input, Lang::Zh).contains("website"));
}

#[test]
fn consent_must_be_ticked_and_odd_checkbox_values_are_refused() {
    let s = form("registration");
    let e = errors(s, &with(&valid(), &[("consent", json!(false))]), Lang::En);
    assert!(e.get("consent").is_some_and(|m| m.ends_with(": tick this box")));
    let e = errors(s, &with(&valid(), &[("consent", json!("maybe"))]), Lang::Zh);
    assert!(e.get("consent").is_some_and(|m| m.ends_with("应为“是”或“否”")));
}

#[test]
fn a_submission_that_is_not_an_object_is_refused_as_a_whole() {
    let e = errors(form("registration"), &json!(["not", "an", "object"]), Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), [""]);
}

#[test]
fn the_html_attributes_carry_the_same_checks() {
    let s = form("registration");
    let phone = s.field("phone").unwrap().html_attrs();
    for (name, value) in [("type", "tel"), ("required", ""), ("autocomplete", "tel")] {
        assert!(phone.contains(&(name, value.to_string())), "phone lacks {name}={value}: {phone:?}");
    }
    // The pattern holds for the number without its grouping: the server checks it,
    // and no maxlength cuts a pasted `186 1234 7239`.
    assert!(!phone.iter().any(|(name, _)| *name == "pattern" || *name == "maxlength"), "{phone:?}");
    let email = s.field("email").unwrap().html_attrs();
    assert!(email.contains(&("type", "email".into())));
    let honeypot = s.field("website").unwrap().html_attrs();
    assert_eq!(honeypot, vec![("type", "text".to_string()), ("autocomplete", "off".into()), ("tabindex", "-1".into())]);
    assert_eq!(s.field("region").unwrap().html_element(), crate::Element::Select);
}

#[test]
fn phone_numbers_as_people_write_them_are_stored_as_the_number() {
    let s = form("registration");
    // Issue 15, point 10: spaces, hyphens, the country code, full-width digits.
    for (written, number) in [
        ("186 1234 7002", "18612347002"),
        ("186-1234-7003", "18612347003"),
        ("+86 186 1234 7239", "18612347239"),
        ("0086 18612347239", "18612347239"),
        ("１８６１２３４７２３９", "18612347239"),
        ("186 1234 7239", "18612347239"),
    ] {
        let out = ok(s, &with(&valid(), &[("phone", json!(written))]));
        assert_eq!(out["phone"], number, "{written}");
    }
    // Grouping is all that goes: a number too short or with a letter is still refused.
    for wrong in ["186 1234 723", "186 1234 72a9", "+1 415 555 0100"] {
        let e = errors(s, &with(&valid(), &[("phone", json!(wrong))]), Lang::Zh);
        assert!(e.get("phone").is_some_and(|m| m.contains("11 位手机号")), "{wrong}: {e:?}");
    }
    // A landline of the monthly report, written with brackets and spaces.
    let report = form("monthly-report");
    let draft = report.validate_draft(&json!({ "filler_phone": "(0311) 8589 1978" }), Lang::Zh).unwrap();
    assert_eq!(draft["filler_phone"], "0311-85891978");
}

#[test]
fn required_text_of_invisible_characters_only_is_not_filled_in() {
    let s = form("registration");
    // Issue 15, point 12: a zero-width space, and a byte-order mark with blanks.
    let input = with(&valid(), &[("name", json!("\u{200b}")), ("organisation", json!("\u{feff} \u{3000}\u{feff}"))]);
    let e = errors(s, &input, Lang::Zh);
    assert_eq!(e.get("name"), Some("请填写“姓名”"), "{e:?}");
    assert!(e.get("organisation").is_some_and(|m| m.starts_with("请填写")), "{e:?}");
    // Invisible characters around a real value are trimmed like spaces.
    let out = ok(s, &with(&valid(), &[("name", json!("\u{feff}张三\u{200b}"))]));
    assert_eq!(out["name"], "张三");
}

#[test]
fn control_characters_in_text_are_refused_on_the_field() {
    let s = form("registration");
    // Issue 15, point 12: NUL and BEL in a name; and DEL in the organisation.
    for (field, value) in [("name", "张\u{0}三"), ("name", "张三\u{7}"), ("organisation", "科技部\u{7f}评估中心")]
    {
        let e = errors(s, &with(&valid(), &[(field, json!(value))]), Lang::Zh);
        assert!(e.get(field).is_some_and(|m| m.contains("控制字符")), "{value:?}: {e:?}");
        let e = errors(s, &with(&valid(), &[(field, json!(value))]), Lang::En);
        assert!(e.get(field).is_some_and(|m| m.contains("control character")), "{value:?}: {e:?}");
    }
}
