use serde_json::json;

use super::*;

/// An author row; `set` is the penalty set chosen ("none" for 不予处理).
fn author(name: &str, id: &str, role: &str, set: &str) -> Value {
    json!({ "name": name, "institution": "某某省第三医院", "id_number": id, "other_id": "", "role": role, "penalty_set": set })
}

/// `valid()` with its (only) penalty set changed by `change`.
fn with_set(change: Value) -> Value {
    let mut v = valid();
    merge_into(&mut v["penalty_sets"][0], change);
    v
}

fn merge_into(into: &mut Value, from: Value) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        a.extend(b.clone());
    }
}

fn attachments() -> Value {
    json!({
        "report": file("diaocha-baogao.pdf", 1_500_000, "application/pdf"),
        "submission_records": [file("tougao-jilu.pdf", 300_000, "application/pdf")],
        "author_statements": [file("qingkuang-shuoming.pdf", 100_000, "application/pdf")],
        "raw_data": [file("shiyan-jilu.zip", 80_000_000, "application/zip")],
        "interview_records": [file("tanhua-jilu.pdf", 200_000, "application/pdf")]
    })
}

fn merge(a: Value, b: Value) -> Value {
    let mut a = a;
    if let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object()) {
        a.extend(b.clone());
    }
    a
}

/// Misconduct found: fabricated data, handled as grave; the first author is banned for
/// 4 years (penalty set 1), the second not penalised.
fn valid() -> Value {
    merge(
        json!({
            "finding": "yes",
            "authors": [author("王星星", "11010519491231002x", "first", "1"), author("张三", "440304199001011233", "corresponding", "none")],
            "penalty_sets": [{
                "misconduct_kinds": ["fabrication"],
                "severity": "serious",
                "penalties": ["blacklist", "ban_projects", "circular"],
                "years_ban_projects": "4",
                "mitigating": [],
                "aggravating": "repeated",
                "aggravating_note": "同时存在多种失信行为。"
            }]
        }),
        attachments(),
    )
}

#[test]
fn a_valid_result_passes_and_is_normalised() {
    let out = ok(form("integrity-result"), &valid());
    assert_eq!(out["authors"][0]["id_number"], "11010519491231002X", "the check character is upper-cased");
    let set = &out["penalty_sets"][0];
    assert_eq!(
        set["penalties"],
        json!(["circular", "ban_projects", "blacklist"]),
        "ticked options come back in form order"
    );
    assert_eq!(set["aggravating"], json!(["repeated"]), "a single ticked box becomes a list");
    assert_eq!(set["years_ban_projects"], json!("4"));
    assert!(set.get("years_suspend").is_none(), "a period for a penalty not chosen is not kept: {out}");
    assert_eq!(crate::id_number::mask(out["authors"][0]["id_number"].as_str().unwrap()), "1101051949****002X");
}

#[test]
fn when_no_misconduct_is_found_the_handling_fields_are_left_out() {
    let input = merge(valid(), json!({ "finding": "no" }));
    let out = ok(form("integrity-result"), &input);
    assert!(out.get("penalty_sets").is_none(), "the penalties do not apply and are not kept: {out}");
    assert!(out["authors"][0].get("penalty_set").is_none(), "nor is a row's cell: {out}");
    assert_eq!(out["authors"][0]["name"], "王星星");
}

#[test]
fn other_circumstances_need_an_explanation() {
    let input = merge(valid(), json!({ "finding": "other" }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["finding_note"]);
    assert_eq!(e.get("finding_note"), Some("请填写“情况说明”"));
    ok(form("integrity-result"), &merge(input, json!({ "finding_note": "论文因出版社技术原因撤稿，不涉及作者。" })));
}

#[test]
fn misconduct_found_needs_its_kind_severity_and_penalties() {
    let input = with_set(json!({ "misconduct_kinds": [], "severity": "", "penalties": [] }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(
        e.paths().collect::<Vec<_>>(),
        ["penalty_sets[0].misconduct_kinds", "penalty_sets[0].severity", "penalty_sets[0].penalties"]
    );
    assert_eq!(e.get("penalty_sets[0].penalties"), Some("请选择“处理措施”第 1 条的“处理措施”"));
    // An author penalised needs a set; the author's choice is required once misconduct is found.
    let no_sets = merge(valid(), json!({ "penalty_sets": [] }));
    let e = errors(form("integrity-result"), &no_sets, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["penalty_sets"]);
    let unchosen = with(&valid(), &[("authors[1].penalty_set", json!(""))]);
    let e = errors(form("integrity-result"), &unchosen, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["authors[1].penalty_set"]);
}

#[test]
fn at_least_one_author_is_required() {
    let e = errors(form("integrity-result"), &merge(valid(), json!({ "authors": [] })), Lang::En);
    assert_eq!(e.get("authors"), Some("Authors: add at least 1"));
}

#[test]
fn an_id_number_with_a_wrong_check_character_is_refused_with_its_row() {
    let input = with(&valid(), &[("authors[1].id_number", json!("110105202004080428"))]);
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["authors[1].id_number"]);
    assert_eq!(e.get("authors[1].id_number"), Some("“作者”第 2 条的“身份证号”校验码不正确，请核对"));
    let e = errors(form("integrity-result"), &input, Lang::En);
    assert_eq!(
        e.get("authors[1].id_number"),
        Some("Authors, row 2, ID number: the last character does not match — check the number")
    );
}

#[test]
fn an_id_number_of_the_wrong_shape_gets_the_pattern_message() {
    let input = with(&valid(), &[("authors[0].id_number", json!("11010519491231002"))]);
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(
        e.get("authors[0].id_number"),
        Some("“作者”第 1 条的“身份证号”格式不正确，应为 18 位，最后一位可以是 X")
    );
    let input = with(&valid(), &[("authors[0].id_number", json!("110105194902300021"))]);
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.get("authors[0].id_number"), Some("“作者”第 1 条的“身份证号”第 7–14 位不是有效的出生日期，请核对"));
}

#[test]
fn an_author_without_a_resident_id_gives_another_document() {
    let s = form("integrity-result");
    let foreign = json!({ "name": "John Smith", "institution": "University of Oxford", "id_number": "", "other_id": "护照 E12345678", "role": "other", "penalty_set": "none" });
    let input = merge(valid(), json!({ "authors": [valid()["authors"][0].clone(), foreign.clone()] }));
    ok(s, &input);
    let mut neither = foreign;
    neither["other_id"] = json!("");
    let e = errors(s, &merge(valid(), json!({ "authors": [valid()["authors"][0].clone(), neither] })), Lang::Zh);
    assert_eq!(e.get("authors[1].id_number"), Some("请填写“作者”第 2 条的“身份证号”"));
}

#[test]
fn the_same_id_number_cannot_appear_twice() {
    let input = with(&valid(), &[("authors[1].id_number", json!("11010519491231002X"))]);
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.get("authors[1].id_number"), Some("“作者”第 2 条的“身份证号”与第 1 条重复"));
}

#[test]
fn there_is_only_one_first_author() {
    let input = with(&valid(), &[("authors[1].role", json!("first_corresponding"))]);
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.get("authors"), Some("“作者”：只能有一位第一作者；并列的请选择“共同第一作者”"));
}

#[test]
fn a_penalty_with_a_period_needs_its_years() {
    let input = with_set(json!({ "years_ban_projects": "", "penalties": ["ban_projects", "ban_awards"] }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(
        e.paths().collect::<Vec<_>>(),
        ["penalty_sets[0].years_ban_projects", "penalty_sets[0].years_ban_awards"]
    );
    assert_eq!(e.get("penalty_sets[0].years_ban_awards"), Some("请选择“处理措施”第 1 条的“取消申报资格期限”"));
    // 其他年限 needs its number.
    let other = with_set(json!({ "years_ban_projects": "other" }));
    let e = errors(form("integrity-result"), &other, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["penalty_sets[0].years_ban_projects_other"]);
}

#[test]
fn ban_periods_follow_the_severity() {
    let s = form("integrity-result");
    let e = errors(s, &with_set(json!({ "severity": "moderate" })), Lang::Zh);
    let path = "penalty_sets[0].years_ban_projects";
    assert_eq!(e.get(path), Some("“处理措施”第 1 条的“禁止承担或参与科技活动期限”：情节较重的，期限为 3 年以内"));
    let e = errors(s, &with_set(json!({ "severity": "very_serious" })), Lang::En);
    assert_eq!(
        e.get(path),
        Some("Penalty sets, row 1, Project ban period: for a very grave case, a ban lasts 5 years or more")
    );
    // Chosen as 1–5 years, or another number: 6 years for a very grave case.
    ok(s, &with_set(json!({ "severity": "very_serious", "years_ban_projects": "5" })));
    ok(
        s,
        &with_set(json!({ "severity": "very_serious", "years_ban_projects": "other", "years_ban_projects_other": 6 })),
    );
    let e = errors(
        s,
        &with_set(json!({ "severity": "very_serious", "years_ban_projects": "other", "years_ban_projects_other": 4 })),
        Lang::Zh,
    );
    assert_eq!(e.paths().collect::<Vec<_>>(), ["penalty_sets[0].years_ban_projects_other"]);
}

#[test]
fn misconduct_of_the_first_five_kinds_is_not_handled_as_minor() {
    let input = with_set(json!({ "severity": "minor", "penalties": ["admonition"], "years_ban_projects": "" }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["penalty_sets[0].severity"]);
    assert_eq!(
        e.get("penalty_sets[0].severity"),
        Some("“处理措施”第 1 条的“情节轻重”：失信行为属于第一至第五项情形之一的，处理不应低于“情节较重”的尺度")
    );
    let mut fine = input;
    merge_into(&mut fine["penalty_sets"][0], json!({ "misconduct_kinds": ["authorship"] }));
    ok(form("integrity-result"), &fine);
}

#[test]
fn a_minor_case_takes_only_the_lighter_penalties() {
    let input = with_set(json!({ "misconduct_kinds": ["publishing"], "severity": "minor" }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(
        e.get("penalty_sets[0].penalties"),
        Some("“处理措施”第 1 条的“处理措施”：情节较轻的，给予第一项、第三项、第十一项相应处理")
    );
}

#[test]
fn several_authors_share_a_set_and_others_get_another() {
    let s = form("integrity-result");
    let mut input = valid();
    input["authors"] = json!([
        author("王星星", "11010519491231002x", "first", "1"),
        author("张三", "440304199001011233", "corresponding", "2"),
        author("李四", "", "other", "1"),
    ]);
    input["authors"][2]["other_id"] = json!("护照 E12345678");
    let mut second = valid()["penalty_sets"][0].clone();
    merge_into(
        &mut second,
        json!({ "misconduct_kinds": ["authorship"], "severity": "minor", "penalties": ["admonition", "suspend"], "years_ban_projects": "", "years_suspend": "2" }),
    );
    input["penalty_sets"] = json!([valid()["penalty_sets"][0].clone(), second]);
    let out = ok(s, &input);
    assert_eq!(out["penalty_sets"][1]["years_suspend"], "2");
    assert_eq!(out["penalty_sets"][0]["penalties"], json!(["circular", "ban_projects", "blacklist"]));
    // Misconduct found but nobody penalised and no sets: allowed.
    let mut nobody = with(&valid(), &[("authors[0].penalty_set", json!("none"))]);
    nobody["penalty_sets"] = json!([]);
    ok(s, &nobody);
}

#[test]
fn the_other_penalty_needs_its_details() {
    let input = with_set(json!({ "penalties": ["other"], "years_ban_projects": "" }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.get("penalty_sets[0].other_penalty"), Some("请填写“处理措施”第 1 条的“其他处理的具体情况”"));
}

#[test]
fn a_serious_case_takes_only_the_penalties_the_rule_allows() {
    // 较重 with only (一) 诫勉谈话: (一)(三)(十一) are for minor cases only.
    let input =
        with_set(json!({ "severity": "moderate", "penalties": ["admonition"], "misconduct_kinds": ["authorship"] }));
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(
        e.get("penalty_sets[0].penalties"),
        Some("“处理措施”第 1 条的“处理措施”：情节较重及以上的，给予第二项、第四至第十项、第十二项、第十三项相应处理")
    );
    // Another of the kind: 特别严重 with (三) 暂停.
    let input =
        with_set(json!({ "severity": "very_serious", "penalties": ["suspend", "blacklist"], "years_suspend": "2" }));
    assert!(errors(form("integrity-result"), &input, Lang::En).get("penalty_sets[0].penalties").is_some());
    ok(form("integrity-result"), &with_set(json!({ "severity": "moderate", "penalties": ["circular"] })));
}

#[test]
fn the_investigation_report_and_items_one_to_four_are_required() {
    let mut input = valid();
    let obj = input.as_object_mut().unwrap();
    obj.remove("report");
    obj.insert("submission_records".into(), json!([]));
    obj.remove("raw_data");
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["report", "raw_data", "submission_records"]);
    assert_eq!(e.get("report"), Some("请上传“机构调查报告”"));
    let e = errors(form("integrity-result"), &input, Lang::En);
    assert_eq!(e.get("submission_records"), Some("4. Submission records and authors' signatures: upload a file"));
}

#[test]
fn the_report_must_be_a_single_pdf() {
    let s = form("integrity-result");
    let e = errors(s, &merge(valid(), json!({ "report": file("baogao.docx", 100, "application/msword") })), Lang::Zh);
    assert_eq!(e.get("report"), Some("“机构调查报告”文件类型不符合要求，只接受 .pdf"));
    let e = errors(
        s,
        &merge(
            valid(),
            json!({ "report": [file("a.pdf", 1, "application/pdf"), file("b.pdf", 1, "application/pdf")] }),
        ),
        Lang::Zh,
    );
    assert_eq!(e.get("report"), Some("“机构调查报告”最多上传 1 个文件"));
    // Extensions match whatever their case, as in the browser's file picker.
    ok(s, &merge(valid(), json!({ "report": file("BAOGAO.PDF", 100, "application/pdf") })));
    assert!(
        errors(s, &merge(valid(), json!({ "report": file("baogao", 100, "application/pdf") })), Lang::Zh)
            .contains("report")
    );
}

#[test]
fn a_case_full_of_mistakes_reports_them_all_at_once_in_form_order() {
    let input = merge(
        valid(),
        json!({
            "authors": [author("", "110105202004080428", "first", "1"), author("张三", "12345", "nobody", "none")],
            "report": null
        }),
    );
    let mut input = input;
    merge_into(
        &mut input["penalty_sets"][0],
        json!({ "severity": "moderate", "penalties": ["ban_projects", "unknown"] }),
    );
    let e = errors(form("integrity-result"), &input, Lang::Zh);
    assert_eq!(
        e.paths().collect::<Vec<_>>(),
        [
            "authors[0].name",
            "authors[0].id_number",
            "authors[1].id_number",
            "authors[1].role",
            "penalty_sets[0].penalties",
            "report"
        ]
    );
}

#[test]
fn a_draft_of_the_authors_part_is_checked_for_format_only() {
    let s = form("integrity-result");
    let draft = json!({ "authors": [{ "name": "王星星", "id_number": "110105202004080428" }, {}] });
    let e = s.validate_draft(&draft, Lang::Zh).unwrap_err();
    assert_eq!(
        e.paths().collect::<Vec<_>>(),
        ["authors[0].id_number"],
        "no required errors, and a blank row is ignored"
    );
    let out = s.validate_draft(&json!({ "authors": [{ "name": "王星星" }] }), Lang::Zh).unwrap();
    assert_eq!(out["authors"][0]["name"], "王星星");
    assert_eq!(out.as_object().map(|o| o.len()), Some(1));
}

#[test]
fn conditional_reveals_are_visible_to_the_renderer() {
    let s = form("integrity-result");
    let years = s.field_at("penalty_sets[0].years_ban_awards").unwrap();
    assert_eq!(years.shown_when().map(|c| c.fields()), Some(vec!["penalties"]));
    assert!(matches!(years.requirement(), crate::Requirement::Always));
    assert!(!years.is_required(), "shown only under a condition: no HTML `required`");
    assert!(matches!(s.field("penalty_sets").unwrap().requirement(), crate::Requirement::When(_)));
    assert_eq!(s.field("finding").unwrap().html_element(), crate::Element::Radios);
    assert!(s.field("finding").unwrap().html_attrs().contains(&("required", String::new())));
    assert_eq!(s.part_of("authors[3].id_number").map(|p| p.id()), Some("authors"));
    assert_eq!(s.field_at("authors[3].id_number").map(|f| f.label(Lang::En)), Some("ID number"));
}

/// What the result form posts when saved without a script: every field of the page,
/// the periods of penalties not chosen left empty (or holding what an earlier page
/// wrote back into them).
fn posted(penalties: Value, years: &str) -> Value {
    json!({
        "finding": "yes",
        "authors": [author("王星星", "11010519491231002x", "first", "1")],
        "penalty_sets": [{
            "misconduct_kinds": [],
            "penalties": penalties,
            "years_suspend": years,
            "years_ban_projects": years,
            "years_ban_awards": years,
            "years_ban_nomination": years,
            "years_ban_supervision": years,
            "years_ban_projects_other": "",
            "other_penalty": "",
        }],
    })
}

#[test]
fn a_saved_result_saves_again_after_a_penalty_and_its_period_are_added() {
    let s = form("integrity-result");
    // The first save (是, one author): the periods do not apply and are not kept.
    let first = s.merge_draft(&json!({}), &posted(json!([]), ""), Lang::Zh).unwrap();
    for id in ["years_suspend", "years_ban_projects", "years_ban_awards", "years_ban_nomination"] {
        assert!(first["penalty_sets"][0].get(id).is_none(), "{id} not stored: {first}");
    }
    // Then penalty (五) with 3 years; the page wrote "9" back into the other periods:
    // none of them is checked.
    let mut again = posted(json!(["ban_projects"]), "9");
    again["penalty_sets"][0]["years_ban_projects"] = json!("3");
    let second = s.merge_draft(&first, &again, Lang::Zh).unwrap_or_else(|e| panic!("saved again: {e}"));
    assert_eq!(second["penalty_sets"][0]["years_ban_projects"], json!("3"));
    assert!(second["penalty_sets"][0].get("years_suspend").is_none(), "{second}");
    assert_eq!(second["authors"][0]["name"], "王星星");
    // A period that applies is still checked.
    let mut bad = again.clone();
    bad["penalty_sets"][0]["years_ban_projects"] = json!("9");
    let e = s.merge_draft(&first, &bad, Lang::Zh).unwrap_err();
    assert_eq!(e.paths().collect::<Vec<_>>(), ["penalty_sets[0].years_ban_projects"]);
}

#[test]
fn an_answer_that_no_longer_applies_is_dropped_from_the_draft() {
    let s = form("integrity-result");
    let stored = s.merge_draft(&json!({}), &posted(json!(["suspend"]), "2"), Lang::Zh).unwrap();
    assert_eq!(stored["penalty_sets"][0]["years_suspend"], json!("2"));
    // The finding changes to 否: the handling part no longer applies, and goes.
    let changed = s.merge_draft(&stored, &json!({ "finding": "no" }), Lang::Zh).unwrap();
    assert!(changed.get("penalty_sets").is_none(), "dropped: {changed}");
    assert_eq!(changed["authors"][0]["name"], "王星星", "the answers that apply stay");
}

#[test]
fn an_empty_period_stays_empty_in_a_draft() {
    let s = form("integrity-result");
    let draft = s.merge_draft(&json!({}), &posted(json!(["ban_projects"]), ""), Lang::Zh).unwrap();
    let years = &draft["penalty_sets"][0]["years_ban_projects"];
    assert!(years.is_null() || years == "", "no period is chosen for it: {draft}");
    let again = s.merge_draft(&draft, &json!({}), Lang::Zh);
    assert!(again.is_ok(), "saved again as it was: {again:?}");
}
