use serde_json::json;

use super::*;

fn seminar() -> Value {
    json!({ "name": "高分子材料表征技术研修班", "kind": "seminar", "tier": "institute", "start": "2023-05-08", "end": "2023-05-10",
            "runs": "1", "days": "3", "participants": "40", "budget": "6.5" })
}

fn lecture() -> Value {
    json!({ "name": "学术前沿讲坛", "kind": "lecture", "tier": "cultivation", "start": "2023-03-01", "end": "2023-12-20",
            "runs": "1", "sessions": "8", "hours_per_session": "2.5", "participants": "200", "budget": "0", "apply_tech_support": "on",
            // Not asked of a lecture series; left out on submit.
            "days": "1", "apply_funding": "on" })
}

fn flagship() -> Value {
    json!({ "name": "同步辐射光源应用技术培训班", "kind": "short_course", "tier": "flagship", "start": "2023-07-10", "end": "2023-07-14",
            "runs": 2, "days": 5, "participants": 80, "budget": 30, "held_before": true, "apply_funding": true, "flagship": true,
            "teachers": file("shizi.xlsx", 20_000, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "curriculum": file("kecheng.docx", 30_000, ""),
            "materials": file("jiaocai.pdf", 30_000, "application/pdf"),
            "needs_analysis": file("xuqiu.pdf", 30_000, "application/pdf"),
            "evaluation": file("pinggu.pdf", 30_000, "application/pdf"),
            "publicity": [file("baodao.jpg", 300_000, "image/jpeg")] })
}

/// The special training on the Party congress every plan holds (seed 001: 同时组织专题培训，列入年度计划).
fn special() -> Value {
    json!({ "name": "学习贯彻党的二十大精神专题培训", "kind": "special", "start": "2023-03-06", "end": "2023-03-07",
            "runs": "2", "days": "2", "participants": "120", "budget": "3" })
}

/// A plan of `projects`, with the special training after them (so their row numbers stay).
fn plan(mut projects: Vec<Value>) -> Value {
    projects.push(special());
    plan_of(projects)
}

fn plan_of(projects: Vec<Value>) -> Value {
    json!({ "year": "2023", "unit_name": "中国科学院高能物理研究所", "unit_type": "institute", "contact_name": "刘杨",
            "contact_phone": "010-68597406", "contact_email": "jypxc@cashq.ac.cn", "prior_funded": true,
            "prior_execution_rate": "85.5", "projects": projects })
}

fn valid() -> Value {
    plan(vec![seminar(), flagship()])
}

#[test]
fn a_valid_plan_passes_and_fields_not_asked_are_left_out() {
    let out = ok(form("training-plan"), &plan(vec![seminar(), lecture()]));
    assert_eq!(out["year"], json!(2023));
    assert_eq!(out["prior_execution_rate"], json!(85.5));
    let lecture = out["projects"][1].as_object().unwrap();
    assert!(!lecture.contains_key("days"), "days is not asked of a lecture series: {lecture:?}");
    assert!(!lecture.contains_key("apply_funding"));
    assert_eq!(lecture["apply_tech_support"], json!(true));
    assert_eq!(lecture["hours_per_session"], json!(2.5));
    // A seminar has no 讲座场次 and no 单场学时 to keep (not even 0).
    let seminar = out["projects"][0].as_object().unwrap();
    for column in ["sessions", "hours_per_session", "apply_tech_support", "teachers"] {
        assert!(!seminar.contains_key(column), "{column}: {seminar:?}");
    }
}

#[test]
fn stored_answers_that_do_not_apply_are_not_shown() {
    // A plan stored before fields not asked were left out: a seminar with 讲座场次 0.
    let stored = json!({ "prior_funded": false, "prior_execution_rate": 0,
        "projects": [{ "name": "研修班", "kind": "seminar", "days": 3, "sessions": 0, "hours_per_session": 0 },
                     { "name": "讲坛", "kind": "lecture", "sessions": 8, "days": 0 }] });
    let shown = form("training-plan").applicable(&stored);
    assert!(shown.get("prior_execution_rate").is_none(), "{shown}");
    assert_eq!(shown["projects"][0], json!({ "name": "研修班", "kind": "seminar", "days": 3 }));
    assert_eq!(shown["projects"][1], json!({ "name": "讲坛", "kind": "lecture", "sessions": 8 }));
}

#[test]
fn a_flagship_application_with_its_documents_passes() {
    let out = ok(form("training-plan"), &valid());
    assert_eq!(out["projects"][1]["teachers"]["name"], "shizi.xlsx");
    assert_eq!(out["projects"][1]["publicity"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_plan_needs_at_least_one_project() {
    let e = errors(form("training-plan"), &plan_of(vec![]), Lang::Zh);
    assert_eq!(e.get("projects"), Some("“培训项目”至少填写 1 条"));
}

#[test]
fn blank_rows_are_dropped_and_errors_keep_the_submitted_row_number() {
    let blank = json!({ "name": "", "kind": "", "tier": "", "start": "", "days": "", "held_before": false });
    let bad = with(
        &json!({ "projects": [seminar()] }),
        &[("projects[0].days", json!(2)), ("projects[0].name", json!("另一个研修班"))],
    )["projects"][0]
        .clone();
    let e = errors(form("training-plan"), &plan(vec![seminar(), blank.clone(), bad]), Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["projects[2].days"]);
    assert_eq!(
        e.get("projects[2].days"),
        Some("“培训项目”第 3 条的“培训天数”：专业技术研修班、专项技术短期培训班时间不少于 3 天")
    );
    let out = ok(form("training-plan"), &plan(vec![seminar(), blank]));
    assert_eq!(out["projects"].as_array().map(Vec::len), Some(2));
}

#[test]
fn seminars_and_short_courses_last_at_least_three_days() {
    let input = with(&valid(), &[("projects[0].days", json!(2))]);
    let e = errors(form("training-plan"), &input, Lang::En);
    assert_eq!(
        e.get("projects[0].days"),
        Some("Training projects, row 1, Days: a professional seminar or short technical course lasts at least 3 days")
    );
}

#[test]
fn training_days_fit_between_the_dates() {
    // Ten days from the 8th to the 9th: two days at most.
    let input = with(
        &valid(),
        &[
            ("projects[0].start", json!("2023-05-08")),
            ("projects[0].end", json!("2023-05-09")),
            ("projects[0].days", json!(10)),
        ],
    );
    let e = errors(form("training-plan"), &input, Lang::Zh);
    assert_eq!(
        e.get("projects[0].days"),
        Some("“培训项目”第 1 条的“培训天数”（10 天）不能多于“开始日期”至“结束日期”的天数（2 天）")
    );
    let e = errors(form("training-plan"), &input, Lang::En);
    assert_eq!(
        e.get("projects[0].days"),
        Some("Training projects, row 1, Days: 10 days is more than the 2 days from Start date to End date")
    );
    // Another kind the rule holds for: the special training, 3 days over 2.
    let e = errors(form("training-plan"), &with(&valid(), &[("projects[2].days", json!(3))]), Lang::Zh);
    assert!(e.get("projects[2].days").is_some_and(|m| m.contains("（2 天）")), "{e:?}");
    // As many days as the dates hold is right.
    ok(form("training-plan"), &with(&valid(), &[("projects[0].days", json!(3))]));
}

#[test]
fn every_plan_holds_the_special_training_on_the_party_congress() {
    let e = errors(form("training-plan"), &plan_of(vec![seminar()]), Lang::Zh);
    assert_eq!(
        e.get("projects"),
        Some("“培训项目”：须组织学习贯彻党的二十大精神专题培训，列入年度计划：请添加一项“专题培训”")
    );
    let out = ok(form("training-plan"), &plan(vec![seminar()]));
    let special = out["projects"][1].as_object().unwrap();
    assert!(!special.contains_key("tier"), "a special training has no tier: {special:?}");
    assert_eq!((special["runs"].clone(), special["budget"].clone()), (json!(2), json!(3)));
}

#[test]
fn every_project_gives_its_runs_and_its_budget() {
    let mut s = seminar();
    s.as_object_mut().unwrap().remove("runs");
    s["budget"] = json!("-1");
    let e = errors(form("training-plan"), &plan(vec![s]), Lang::Zh);
    assert_eq!(e.get("projects[0].runs"), Some("请填写“培训项目”第 1 条的“期数”"));
    assert!(e.get("projects[0].budget").is_some_and(|m| m.contains("经费预算")), "{e:?}");
}

#[test]
fn management_training_is_for_departments_and_branches_to_apply_for() {
    let management = json!({ "name": "院机关干部履职能力培训班", "kind": "management", "start": "2023-06-01", "end": "2023-06-03",
        "runs": 1, "days": 3, "participants": 60, "budget": 12, "apply_funding": true, "tier": "flagship" });
    let s = form("training-plan");
    let mut input = plan(vec![management]);
    input["unit_type"] = json!("department");
    let out = ok(s, &input);
    assert!(out["projects"][0].get("tier").is_none(), "management training has no tier: {out}");
    assert_eq!(out["projects"][0]["apply_funding"], json!(true));
    assert!(s.warnings(&input, Lang::Zh).is_empty());
    // An institute applying for management funding is told the guide's principle.
    input["unit_type"] = json!("institute");
    ok(s, &input);
    assert!(
        s.warnings(&input, Lang::Zh)
            .get("projects[0].apply_funding")
            .is_some_and(|m| m.contains("院机关各部门、各分院"))
    );
}

#[test]
fn lecture_series_have_two_hour_sessions_and_six_sessions_a_year() {
    let l = with(
        &json!({ "projects": [lecture()] }),
        &[("projects[0].sessions", json!(5)), ("projects[0].hours_per_session", json!(1.5))],
    );
    let e = errors(form("training-plan"), &plan(vec![l["projects"][0].clone()]), Lang::Zh);
    assert_eq!(e.get("projects[0].sessions"), Some("“培训项目”第 1 条的“讲座场次”不能小于 6 场"));
    assert_eq!(e.get("projects[0].hours_per_session"), Some("“培训项目”第 1 条的“单场学时”不能小于 2 学时"));
}

#[test]
fn a_field_shown_only_for_some_kinds_is_required_only_for_them() {
    let mut l = lecture();
    l["sessions"] = json!("");
    let e = errors(form("training-plan"), &plan(vec![seminar(), l]), Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["projects[1].sessions"]);
    assert_eq!(e.get("projects[1].sessions"), Some("请填写“培训项目”第 2 条的“讲座场次”"));
}

#[test]
fn the_end_date_cannot_be_before_the_start() {
    let input = with(&valid(), &[("projects[0].end", json!("2023-05-07"))]);
    let e = errors(form("training-plan"), &input, Lang::Zh);
    assert_eq!(e.get("projects[0].end"), Some("“培训项目”第 1 条的“结束日期”不能早于“开始日期”（2023-05-08）"));
    let e = errors(form("training-plan"), &input, Lang::En);
    assert_eq!(
        e.get("projects[0].end"),
        Some("Training projects, row 1, End date: must be on or after Start date (2023-05-08)")
    );
}

#[test]
fn a_flagship_project_needs_four_days_seventy_people_and_a_previous_run() {
    let input = with(
        &valid(),
        &[
            ("projects[1].days", json!(3)),
            ("projects[1].participants", json!(60)),
            ("projects[1].held_before", json!(false)),
        ],
    );
    let e = errors(form("training-plan"), &input, Lang::Zh);
    assert_eq!(e.get("projects[1].days"), Some("“培训项目”第 2 条的“培训天数”：精品培训项目时间不少于 4 天"));
    assert_eq!(
        e.get("projects[1].participants"),
        Some("“培训项目”第 2 条的“预计参训人数”：精品培训项目参加学员不少于 70 人")
    );
    assert_eq!(
        e.get("projects[1].held_before"),
        Some("“培训项目”第 2 条的“曾举办过”：申报精品培训项目的培训班至少已举办过 1 次")
    );
}

#[test]
fn a_flagship_project_needs_the_documents_the_guide_lists() {
    let mut f = flagship();
    for key in ["teachers", "curriculum", "materials", "needs_analysis", "evaluation"] {
        f.as_object_mut().unwrap().remove(key);
    }
    let e = errors(form("training-plan"), &plan(vec![f.clone()]), Lang::Zh);
    let expected = [
        "projects[0].teachers",
        "projects[0].curriculum",
        "projects[0].materials",
        "projects[0].needs_analysis",
        "projects[0].evaluation",
    ];
    assert_eq!(e.paths().collect::<Vec<_>>(), expected);
    assert_eq!(e.get("projects[0].teachers"), Some("请上传“培训项目”第 1 条的“往年师资名单”"));
    // Funded and completed last year: only the course plan and teaching plan are needed.
    f["funded_last_year"] = json!(true);
    let e = errors(form("training-plan"), &plan(vec![f.clone()]), Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["projects[0].plan_document"]);
    f["plan_document"] = file("fangan.pdf", 1000, "application/pdf");
    ok(form("training-plan"), &plan(vec![f]));
}

#[test]
fn documents_are_not_asked_of_projects_that_are_not_flagships() {
    let mut s = seminar();
    s["teachers"] = file("shizi.pdf", 100, "application/pdf");
    let out = ok(form("training-plan"), &plan(vec![s]));
    assert!(out["projects"][0].get("teachers").is_none(), "a hidden upload is not kept: {out}");
}

#[test]
fn an_advanced_seminar_lasts_about_five_days_for_about_a_hundred_people() {
    let advanced = with(
        &json!({ "p": [flagship()] }),
        &[
            ("p[0].tier", json!("advanced")),
            ("p[0].also_advanced", json!(true)),
            ("p[0].days", json!(7)),
            ("p[0].end", json!("2023-07-16")),
            ("p[0].participants", json!(150)),
        ],
    );
    let e = errors(form("training-plan"), &plan(vec![advanced["p"][0].clone()]), Lang::Zh);
    assert_eq!(
        e.get("projects[0].days"),
        Some("“培训项目”第 1 条的“培训天数”：人社部高级研修项目研修时间需 5 天左右（4–6 天）")
    );
    assert_eq!(
        e.get("projects[0].participants"),
        Some("“培训项目”第 1 条的“预计参训人数”：人社部高级研修项目培训人次需 100 人左右（80–120 人）")
    );
}

#[test]
fn a_unit_applies_for_at_most_one_advanced_seminar() {
    let advanced = with(
        &json!({ "p": [flagship()] }),
        &[("p[0].tier", json!("advanced")), ("p[0].also_advanced", json!(true)), ("p[0].participants", json!(100))],
    )["p"][0]
        .clone();
    let mut second = advanced.clone();
    second["name"] = json!("第二个高研项目");
    let e = errors(form("training-plan"), &plan(vec![advanced.clone(), second]), Lang::Zh);
    assert_eq!(e.get("projects"), Some("“培训项目”：每个单位最多申报 1 个人社部高级研修项目"));
    ok(form("training-plan"), &plan(vec![advanced]));
}

#[test]
fn the_tier_and_the_flags_must_agree() {
    let s = form("training-plan");
    // Applying for funding as an institute project.
    let e = errors(s, &with(&valid(), &[("projects[0].apply_funding", json!(true))]), Lang::Zh);
    assert_eq!(
        e.get("projects[0].tier"),
        Some("“培训项目”第 1 条的“项目层级”：申请资助或专项技术支持的项目不能是所级培训项目，请选择申报的层级")
    );
    // A development project that forgot to apply for funding.
    let e = errors(s, &with(&valid(), &[("projects[0].tier", json!("cultivation"))]), Lang::Zh);
    assert!(e.contains("projects[0].apply_funding"));
    // A flagship tier without the flagship box.
    let e = errors(s, &with(&valid(), &[("projects[1].flagship", json!(false))]), Lang::Zh);
    assert!(e.contains("projects[1].flagship"));
    // A lecture series cannot be a flagship.
    let l = with(&json!({ "p": [lecture()] }), &[("p[0].tier", json!("flagship"))])["p"][0].clone();
    let e = errors(s, &plan(vec![l]), Lang::Zh);
    assert_eq!(
        e.get("projects[0].tier"),
        Some("“培训项目”第 1 条的“项目层级”：学术讲坛可列为所级培训项目或申报院级培育项目")
    );
    // Ticking "also advanced" on a flagship tier.
    let e = errors(s, &with(&valid(), &[("projects[1].also_advanced", json!(true))]), Lang::En);
    assert!(e.get("projects[1].tier").is_some_and(|m| m.contains("Ministry advanced seminar")));
}

#[test]
fn project_names_are_unique_within_a_plan() {
    let e = errors(form("training-plan"), &plan(vec![seminar(), seminar()]), Lang::Zh);
    assert_eq!(e.get("projects[1].name"), Some("“培训项目”第 2 条的“项目名称”与第 1 条重复"));
}

#[test]
fn more_than_one_supported_project_is_a_warning_not_an_error() {
    let s = form("training-plan");
    let input = plan(vec![seminar(), flagship(), lecture()]);
    ok(s, &input);
    let w = s.warnings(&input, Lang::Zh);
    assert_eq!(w.paths().collect::<Vec<_>>(), ["projects"]);
    assert_eq!(w.get("projects"), Some("“培训项目”：原则上每个研究所申报 1 个院级资助项目"));
    assert!(s.warnings(&valid(), Lang::Zh).is_empty());
}

#[test]
fn low_spending_last_year_is_a_warning_when_applying_for_support() {
    let s = form("training-plan");
    let input = with(&valid(), &[("prior_execution_rate", json!(40))]);
    ok(s, &input);
    let w = s.warnings(&input, Lang::En);
    assert_eq!(
        w.get("prior_execution_rate"),
        Some(
            "Share of last year's academy funding spent: units that spent less than 50% are, in principle, not funded"
        )
    );
    let only_institute = plan(vec![seminar()]);
    assert!(s.warnings(&with(&only_institute, &[("prior_execution_rate", json!(40))]), Lang::Zh).is_empty());
}

#[test]
fn the_spending_rate_is_asked_only_of_units_funded_last_year() {
    let s = form("training-plan");
    let e = errors(s, &with(&valid(), &[("prior_execution_rate", json!(""))]), Lang::Zh);
    assert_eq!(e.get("prior_execution_rate"), Some("请填写“上年度院级资助项目经费执行率”"));
    let e = errors(s, &with(&valid(), &[("prior_execution_rate", json!(100.5))]), Lang::Zh);
    assert_eq!(e.get("prior_execution_rate"), Some("“上年度院级资助项目经费执行率”不能大于 100%"));
    let out = ok(s, &with(&valid(), &[("prior_funded", json!(false)), ("prior_execution_rate", json!("70"))]));
    assert!(out.get("prior_execution_rate").is_none(), "not kept for a unit not funded: {out}");
}

#[test]
fn group_columns_expose_what_the_renderer_needs() {
    let s = form("training-plan");
    let projects = s.field("projects").unwrap();
    assert_eq!(projects.html_element(), crate::Element::Fieldset);
    assert_eq!(projects.min_rows(), 1);
    let days = s.field("projects.days").unwrap();
    assert_eq!(days.shown_when().map(|c| c.fields()), Some(vec!["kind"]));
    assert!(!days.is_required(), "required only when shown, so no HTML `required`");
    assert!(!days.html_attrs().iter().any(|(n, _)| *n == "required"));
    // Any kind with days takes at least one; seminars' three are a rule (a message naming them).
    assert!(days.html_attrs().contains(&("min", "1".into())));
    let kind = s.field("projects.kind").unwrap();
    assert_eq!(kind.option("lecture").and_then(|o| o.help(Lang::Zh)), Some("单场不少于 2 学时，每年不少于 6 场。"));
    assert!(
        s.field("projects.teachers").unwrap().html_attrs().contains(&("accept", ".pdf,.doc,.docx,.xls,.xlsx".into()))
    );
}
