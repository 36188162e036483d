use serde_json::json;

use super::*;

/// A consistent month: staff 25 = 8 + 10 + 5 + 2, funding 150.50 = 100.25 + 40.25 + 10 …
fn valid() -> Value {
    json!({
        "platform_name": "河北省新材料重点实验室",
        "period": "2023-03",
        "filler_name": "张一",
        "filler_phone": "0311-85891978",
        "filler_email": "",
        "staff_total": "25", "staff_senior": 8, "staff_intermediate": "10", "staff_junior": "５", "staff_other": 2,
        "staff_doctorate": 12, "staff_master": 9, "staff_full_time": 20, "staff_high_level": 2, "staff_new": 1,
        "funding_total": "150.50", "funding_government": "100.25", "funding_enterprise": 40.25, "funding_other": "10",
        "funding_central": "60", "equipment_value": "3200.00",
        "papers_total": 6, "papers_sci": 4, "papers_ei": 1,
        "patents_filed": 3, "patents_filed_invention": 2, "patents_granted": 1, "patents_granted_invention": 1,
        "standards": "", "software_copyrights": null,
        "projects_total": 4, "projects_national": 1, "projects_provincial": 2, "projects_international": 1,
        "visiting_researchers": 3, "conferences_hosted": 1, "instrument_hours_shared": "12.5",
        "transfers": 1, "transfer_income": "35.5", "transfer_income_assignment": "20", "transfer_income_licensing": "15.5", "transfer_income_equity": "",
        "service_contracts": 2, "service_income": "8.8", "enterprises_served": 5, "enterprises_incubated": 0,
        "outreach_events": 2, "outreach_open_days": 1, "outreach_participants": 300, "outreach_works": 1,
        "honours": "", "breakthroughs": "完成高性能合金中试。", "other_events": "",
        "supporting_files": [file("zhongshi-baogao.pdf", 2_000_000, "application/pdf")]
    })
}

#[test]
fn a_consistent_month_passes_and_numbers_are_parsed() {
    let out = ok(form("monthly-report"), &valid());
    assert_eq!(out["staff_total"], json!(25));
    assert_eq!(out["staff_junior"], json!(5), "full-width digits are read");
    assert_eq!(out["funding_total"], json!(150.5));
    assert_eq!(out["funding_enterprise"], json!(40.25));
    assert_eq!(out["instrument_hours_shared"], json!(12.5));
}

#[test]
fn an_empty_number_is_no_answer_never_a_silent_zero() {
    let mut input = valid();
    input.as_object_mut().unwrap().remove("awards");
    let out = ok(form("monthly-report"), &input);
    assert_eq!(out["standards"], Value::Null, "a flow left empty stays empty");
    assert_eq!(out["software_copyrights"], Value::Null);
    assert_eq!(out["awards"], Value::Null, "a number missing altogether too");
    assert_eq!(out["transfer_income_equity"], Value::Null);
    assert_eq!(out["enterprises_incubated"], json!(0), "a 0 typed in is an answer");
    assert_eq!(out["honours"], "");
}

#[test]
fn a_stock_left_empty_is_refused_by_name() {
    let s = form("monthly-report");
    let mut input = with(&valid(), &[("equipment_value", json!(""))]);
    input.as_object_mut().unwrap().remove("staff_master");
    let e = errors(s, &input, Lang::Zh);
    assert_eq!(e.get("equipment_value"), Some("请填写“仪器设备原值”"));
    assert_eq!(e.get("staff_master"), Some("请填写“其中：硕士”"));
    assert!(!e.contains("funding_total"), "flows are not required: {e:?}");
}

#[test]
fn the_period_accepts_what_people_type_and_is_stored_as_yyyy_mm() {
    let s = form("monthly-report");
    assert_eq!(ok(s, &with(&valid(), &[("period", json!("2023年3月"))]))["period"], "2023-03");
    let e = errors(s, &with(&valid(), &[("period", json!("2023-13"))]), Lang::Zh);
    assert_eq!(e.get("period"), Some("“填报月份”应为有效年月，格式如 2023-01"));
    let e = errors(s, &with(&valid(), &[("period", json!("2022-12"))]), Lang::Zh);
    assert_eq!(e.get("period"), Some("“填报月份”不能早于 2023-01"));
}

#[test]
fn staff_by_grade_must_add_up_to_the_total() {
    let s = form("monthly-report");
    let input = with(&valid(), &[("staff_total", json!(24))]);
    let e = errors(s, &input, Lang::Zh);
    assert_eq!(e.paths().collect::<Vec<_>>(), ["staff_total"]);
    assert_eq!(
        e.get("staff_total"),
        Some("“从业人员总数”（24 人）应等于“高级职称”、“中级职称”、“初级职称”、“其他人员”之和（25 人）")
    );
    let e = errors(s, &input, Lang::En);
    assert_eq!(
        e.get("staff_total"),
        Some(
            "Total staff: must equal the sum of Senior grade, Intermediate grade, Junior grade and Other staff (25 people), not 24 people"
        )
    );
}

#[test]
fn degree_holders_together_cannot_exceed_the_total() {
    let e = errors(form("monthly-report"), &with(&valid(), &[("staff_master", json!(14))]), Lang::Zh);
    assert_eq!(e.get("staff_total"), Some("“从业人员总数”（25 人）不能小于“其中：博士”、“其中：硕士”之和（26 人）"));
}

#[test]
fn funding_parts_add_up_exactly_in_decimals() {
    let s = form("monthly-report");
    let input = with(
        &valid(),
        &[
            ("funding_total", json!("0.3")),
            ("funding_government", json!("0.1")),
            ("funding_enterprise", json!(0.2)),
            ("funding_other", json!("")),
            ("funding_central", json!(0)),
        ],
    );
    ok(s, &input);
    let e = errors(s, &with(&input, &[("funding_total", json!("0.31"))]), Lang::Zh);
    assert_eq!(
        e.get("funding_total"),
        Some("“经费筹集总额”（0.31 万元）应等于“政府财政资金”、“企业资金”、“其他资金”之和（0.3 万元）")
    );
}

#[test]
fn amounts_have_at_most_two_decimals_and_counts_are_whole_numbers() {
    let s = form("monthly-report");
    let e = errors(
        s,
        &with(
            &valid(),
            &[
                ("equipment_value", json!("3200.001")),
                ("papers_total", json!("6.5")),
                ("instrument_hours_shared", json!("12.25")),
            ],
        ),
        Lang::Zh,
    );
    assert_eq!(e.get("equipment_value"), Some("“仪器设备原值”最多保留 2 位小数"));
    assert_eq!(e.get("papers_total"), Some("“发表论文”应为整数"));
    assert_eq!(e.get("instrument_hours_shared"), Some("“大型仪器对外共享机时”应为 0.5 小时 的整数倍"));
    assert!(!e.contains("papers_sci"), "a rule on a field that already has an error is skipped");
}

#[test]
fn negative_numbers_and_non_numbers_are_refused() {
    let s = form("monthly-report");
    let e = errors(
        s,
        &with(&valid(), &[("awards", json!(-1)), ("standards", json!("三")), ("software_copyrights", json!("1,000"))]),
        Lang::Zh,
    );
    assert_eq!(e.get("awards"), Some("“省部级以上科技奖励”不能为负数"));
    assert_eq!(e.get("standards"), Some("“制定标准”应为数字"));
    assert_eq!(e.get("software_copyrights"), Some("“软件著作权”应为数字"));
    let e = errors(s, &with(&valid(), &[("awards", json!(-1))]), Lang::En);
    assert_eq!(e.get("awards"), Some("Science awards (provincial or higher): must not be negative"));
}

#[test]
fn an_of_which_figure_cannot_exceed_its_total() {
    let s = form("monthly-report");
    let e = errors(s, &with(&valid(), &[("papers_sci", json!(7)), ("patents_granted_invention", json!(2))]), Lang::Zh);
    assert_eq!(e.get("papers_sci"), Some("“其中：SCI 收录”不能大于“发表论文”（6 篇）"));
    assert_eq!(e.get("patents_granted_invention"), Some("“其中：发明专利授权”不能大于“专利授权”（1 项）"));
    let e = errors(s, &with(&valid(), &[("papers_sci", json!(7))]), Lang::En);
    assert_eq!(e.get("papers_sci"), Some("of which: indexed in SCI: must be no more than Papers published (6 papers)"));
}

#[test]
fn participants_without_outreach_events_are_refused() {
    let s = form("monthly-report");
    let input = with(&valid(), &[("outreach_events", json!(0)), ("outreach_open_days", json!(0))]);
    let e = errors(s, &input, Lang::Zh);
    assert_eq!(e.get("outreach_participants"), Some("“科普活动参与人数”：本月没有开展科普活动时应为 0"));
    ok(s, &with(&input, &[("outreach_participants", json!(""))]));
}

#[test]
fn every_error_in_every_part_is_reported_at_once() {
    let input = with(
        &valid(),
        &[
            ("filler_phone", json!("12345")),
            ("staff_total", json!(30)),
            ("funding_central", json!(101)),
            ("papers_ei", json!(9)),
            ("transfer_income", json!(1)),
            ("outreach_works", json!("x")),
        ],
    );
    let e = errors(form("monthly-report"), &input, Lang::Zh);
    assert_eq!(
        e.paths().collect::<Vec<_>>(),
        ["filler_phone", "staff_total", "funding_central", "papers_ei", "transfer_income", "outreach_works"]
    );
}

#[test]
fn errors_know_which_part_they_are_on() {
    let s = form("monthly-report");
    assert_eq!(s.parts().len(), 9);
    assert_eq!(s.part_of("staff_total").map(|p| p.title(Lang::Zh)), Some("人员队伍"));
    assert_eq!(s.part_of("supporting_files").map(|p| p.title(Lang::En)), Some("Attachments"));
    let titles: Vec<&str> = s.parts().iter().skip(1).map(|p| p.title(Lang::Zh)).collect();
    assert_eq!(
        titles,
        ["人员队伍", "经费筹集", "成果产出", "开放合作", "成果转化和对外服务", "科学普及", "重点信息", "附件"]
    );
}

#[test]
fn a_draft_of_one_part_ignores_required_fields_and_rules() {
    let s = form("monthly-report");
    let staff = json!({ "staff_total": "30", "staff_senior": "1", "staff_junior": "" });
    let out = s.validate_draft(&staff, Lang::Zh).unwrap();
    assert_eq!(
        out,
        json!({ "staff_total": 30, "staff_senior": 1, "staff_junior": null }),
        "only the fields sent come back"
    );
}

#[test]
fn a_draft_still_refuses_malformed_values() {
    let s = form("monthly-report");
    let e = s.validate_draft(&json!({ "staff_total": "三十", "filler_phone": "123" }), Lang::En).unwrap_err();
    assert_eq!(e.get("staff_total"), Some("Total staff: must be a number"));
    assert!(e.contains("filler_phone"));
}

#[test]
fn the_annual_report_sums_flows_and_keeps_the_latest_stocks() {
    let s = form("monthly-report");
    let jan = ok(
        s,
        &with(
            &valid(),
            &[("period", json!("2023-01")), ("breakthroughs", json!("")), ("honours", json!("获国家科技进步二等奖。"))],
        ),
    );
    let mar = ok(s, &valid());
    let feb = ok(
        s,
        &with(
            &valid(),
            &[
                ("period", json!("2023-02")),
                ("staff_total", json!(30)),
                ("staff_other", json!(7)),
                ("funding_total", json!("0.3")),
                ("funding_government", json!("0.1")),
                ("funding_enterprise", json!("0.2")),
                ("funding_other", json!(0)),
                ("funding_central", json!(0)),
                ("breakthroughs", json!("")),
                ("supporting_files", json!([])),
            ],
        ),
    );
    // Months out of order: "latest" is decided by the period, not the slice order.
    let annual = s.aggregate_annual(&[mar.clone(), jan, feb]);
    assert_eq!(annual["period"], "2023-03");
    assert_eq!(annual["staff_total"], json!(25), "a stock is the latest month's value");
    assert_eq!(annual["equipment_value"], json!(3200));
    assert_eq!(annual["papers_total"], json!(18), "a flow is summed");
    assert_eq!(annual["staff_new"], json!(3));
    assert_eq!(annual["funding_total"], json!(301.3), "150.5 + 0.3 + 150.5, exactly");
    assert_eq!(annual["honours"], "【2023-01】获国家科技进步二等奖。", "empty months are left out");
    assert_eq!(annual["breakthroughs"], "【2023-03】完成高性能合金中试。");
    assert_eq!(annual["supporting_files"].as_array().map(Vec::len), Some(2));
    assert_eq!(s.aggregate_annual(&[])["papers_total"], json!(0));
}

#[test]
fn every_number_in_the_report_is_a_flow_or_a_stock() {
    use crate::{Aggregate, FieldType};
    let s = form("monthly-report");
    let numbers: Vec<_> = s.fields().iter().filter(|f| f.kind() == FieldType::Number).collect();
    assert!(numbers.len() >= 40);
    assert!(numbers.iter().all(|f| matches!(f.aggregate(), Some(Aggregate::Flow | Aggregate::Stock))));
    assert_eq!(s.field("staff_total").and_then(|f| f.aggregate()), Some(Aggregate::Stock));
    assert_eq!(s.field("papers_total").and_then(|f| f.aggregate()), Some(Aggregate::Flow));
    assert_eq!(s.field("funding_total").and_then(|f| f.aggregate()), Some(Aggregate::Flow));
}

#[test]
fn number_fields_render_with_min_step_and_unit() {
    let s = form("monthly-report");
    let funding = s.field("funding_total").unwrap();
    let attrs = funding.html_attrs();
    assert!(attrs.contains(&("type", "number".into())));
    assert!(attrs.contains(&("min", "0".into())));
    assert!(attrs.contains(&("step", "0.01".into())));
    assert_eq!(funding.unit().map(|u| u.label(Lang::Zh)), Some("万元"));
    assert!(s.field("papers_total").unwrap().html_attrs().contains(&("step", "1".into())));
}
