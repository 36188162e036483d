//! A stored answer as people read it: an option's label, a number with its unit,
//! 是/否 for a ticked box, files by name. One wording for every page that shows what
//! was submitted (a plan's projects, a case's result), so 执行率 reads `85%` and a
//! ban `4 年` wherever it appears.

use serde_json::Value;

use crate::schema::{Field, FieldType};
use crate::text::Lang;

impl Field {
    /// `value` (as the validator stores it) as text for a reader in `lang`: choices by
    /// their labels (ticked boxes joined with 、), numbers with the field's unit,
    /// yes/no for a checkbox, files by their names; nothing given is the empty string.
    pub fn display(&self, value: &Value, lang: Lang) -> String {
        let yes_no = |b: bool| match (lang, b) {
            (Lang::Zh, true) => "是",
            (Lang::Zh, false) => "否",
            (Lang::En, true) => "Yes",
            (Lang::En, false) => "No",
        };
        match value {
            Value::Null => String::new(),
            Value::Bool(b) => yes_no(*b).to_owned(),
            Value::Array(items) => {
                let sep = if lang == Lang::Zh { "、" } else { ", " };
                items
                    .iter()
                    .map(|item| self.display(item, lang))
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(sep)
            }
            Value::Object(file) => file.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            Value::String(s) if self.kind == FieldType::Checkbox => {
                yes_no(matches!(s.as_str(), "on" | "true")).to_owned()
            }
            Value::String(s) => self.option(s).map_or_else(|| s.clone(), |choice| choice.label(lang).to_owned()),
            Value::Number(n) => match self.unit.map(|u| u.label(lang)).filter(|u| !u.is_empty()) {
                // 85%, but 4 年 and 72 人: a percent sign sits on its number.
                Some("%") => format!("{n}%"),
                Some(unit) => format!("{n} {unit}"),
                None => n.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Lang;

    #[test]
    fn answers_read_with_their_labels_and_units() {
        let plan = crate::schema("training-plan").unwrap();
        let rate = plan.field("prior_execution_rate").unwrap();
        assert_eq!(rate.display(&json!(85.5), Lang::Zh), "85.5%");
        let projects = plan.field("projects").unwrap();
        assert_eq!(projects.column("participants").unwrap().display(&json!(72), Lang::Zh), "72 人");
        assert_eq!(projects.column("kind").unwrap().display(&json!("seminar"), Lang::Zh), "专业技术研修班");
        assert_eq!(projects.column("flagship").unwrap().display(&json!(true), Lang::Zh), "是");
        assert_eq!(projects.column("participants").unwrap().display(&json!(null), Lang::Zh), "");
        let result = crate::schema("integrity-result").unwrap();
        let sets = result.field("penalty_sets").unwrap();
        let penalties = sets.column("penalties").unwrap();
        assert_eq!(penalties.display(&json!(["admonition", "suspend"]), Lang::Zh).matches('、').count(), 1);
        assert_eq!(sets.column("years_ban_projects").unwrap().display(&json!("4"), Lang::En), "4 years");
        assert_eq!(sets.column("years_ban_projects_other").unwrap().display(&json!(8), Lang::Zh), "8 年");
    }
}
