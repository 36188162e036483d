//! The plan list (年度继续教育与培训计划列表) as the unit exports it, stamps (加盖单位公章)
//! and sends to the Bureau of Personnel (seed 001, 三、申报方式及时间): one row per
//! project, read as people read it (option labels, units, 是/否, the organiser's 遴选
//! once decided). The Excel workbook and the printable page are drawn from these rows.

use gazette_forms::{Lang, Schema};
use serde_json::Value;

use super::{Selection, TrainingPlan};

/// The columns of the list: a header and the project column it shows (`None`: the row
/// number or the selection, which are not columns of the form).
const COLUMNS: [(&str, Option<&str>); 15] = [
    ("序号", None),
    ("项目名称", Some("name")),
    ("培训类别", Some("kind")),
    ("项目层级", Some("tier")),
    ("开始日期", Some("start")),
    ("结束日期", Some("end")),
    ("期数", Some("runs")),
    ("培训天数", Some("days")),
    ("讲座场次", Some("sessions")),
    ("预计参训人数", Some("participants")),
    ("经费预算", Some("budget")),
    ("是否申请资助", Some("apply_funding")),
    ("是否申请专项技术支持", Some("apply_tech_support")),
    ("精品项目", Some("flagship")),
    ("遴选结果", None),
];

/// The list's header row.
pub fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|(h, _)| *h).collect()
}

/// One row per project, every cell as shown (empty where the form did not ask it).
pub fn rows(schema: &Schema, plan: &TrainingPlan) -> Vec<Vec<String>> {
    let values = schema.applicable(&plan.values);
    let projects = values.get("projects").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    projects
        .iter()
        .enumerate()
        .map(|(i, project)| {
            COLUMNS
                .iter()
                .map(|(header, column)| match column {
                    Some(id) => cell(schema, id, project),
                    None if *header == "序号" => (i + 1).to_string(),
                    None => selection_of(plan, i).map(|d| d.label(Lang::Zh).to_owned()).unwrap_or_default(),
                })
                .collect()
        })
        .collect()
}

fn cell(schema: &Schema, id: &str, project: &Value) -> String {
    match (schema.field(&format!("projects.{id}")), project.get(id)) {
        (Some(field), Some(value)) => field.display(value, Lang::Zh),
        _ => String::new(),
    }
}

/// The organiser's decision on project `i`, once the plan is approved.
pub fn selection_of(plan: &TrainingPlan, i: usize) -> Option<Selection> {
    plan.selections.iter().find(|s| s.project == i).map(|s| s.decision)
}

/// The list's title: `{单位} {年度}年度继续教育与培训计划`.
pub fn title(plan: &TrainingPlan) -> String {
    let unit = plan.values.get("unit_name").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(&plan.unit);
    format!("{unit} {} 年度继续教育与培训计划", plan.year)
}

/// What the unit signs under the list before sending it.
pub const STAMP_LINE: &str = "单位（盖章）：                    负责人：            日期：      年    月    日";

/// The list as an Excel workbook: the title, the headers, a row per project, the
/// contact, and the line for the unit's stamp.
pub fn xlsx(schema: &Schema, plan: &TrainingPlan) -> Result<Vec<u8>, String> {
    let text = |id: &str| plan.values.get(id).and_then(Value::as_str).unwrap_or_default().to_owned();
    let contact = format!(
        "联系人：{}　联系电话：{}　电子邮件：{}",
        text("contact_name"),
        text("contact_phone"),
        text("contact_email")
    );
    crate::http::export::table_xlsx(
        "培训计划列表",
        &[title(plan), format!("状态：{}", plan.status.label_zh())],
        &headers(),
        &rows(schema, plan),
        &[contact, STAMP_LINE.to_owned()],
    )
}

#[cfg(test)]
mod tests {
    use super::super::ProjectSelection;
    use super::*;
    use crate::lifecycle::review::ReviewStatus;
    use serde_json::json;

    #[test]
    fn a_row_reads_as_people_read_it_with_the_selection() {
        let schema = gazette_forms::schema("training-plan").unwrap();
        let at: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let plan = TrainingPlan {
            unit: "ioz".into(),
            year: 2027,
            status: ReviewStatus::Approved,
            values: json!({ "unit_name": "动物所", "projects": [
                { "name": "精品班", "kind": "seminar", "tier": "flagship", "start": "2027-05-10", "end": "2027-05-14",
                  "runs": 2, "days": 5, "participants": 80, "budget": 30.5, "apply_funding": true, "flagship": true,
                  "sessions": 9 },
            ]}),
            warnings: Default::default(),
            comment: None,
            selections: vec![ProjectSelection { project: 0, name: "精品班".into(), decision: Selection::Funded }],
            history: vec![],
            submitted_at: at,
            updated_at: at,
            version: 2,
        };
        let rows = rows(schema, &plan);
        let by = |h: &str| rows[0][headers().iter().position(|x| *x == h).unwrap()].clone();
        assert_eq!(by("培训类别"), "专业技术研修班");
        assert_eq!(by("期数"), "2 期");
        assert_eq!(by("经费预算"), "30.5 万元");
        assert_eq!(by("讲座场次"), "", "not asked of a seminar");
        assert_eq!(by("精品项目"), "是");
        assert_eq!(by("遴选结果"), "经费资助");
        assert_eq!(title(&plan), "动物所 2027 年度继续教育与培训计划");
    }
}
