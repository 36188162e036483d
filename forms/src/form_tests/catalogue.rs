//! Checks across all the schema files.

use std::path::Path;

use crate::{Condition, FieldType, Lang, Operand, RuleKind, Schema};

fn content_forms() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/forms")
}

/// The schema files on disk, as (`content/forms/x.toml`, text).
fn files_on_disk() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(content_forms())
        .expect("content/forms exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (format!("content/forms/{name}"), std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_schema_file_in_content_forms_loads() {
    for (file, text) in files_on_disk() {
        if let Err(e) = Schema::from_toml(&file, &text) {
            panic!("{e}");
        }
    }
    if let Err(e) = crate::try_all() {
        panic!("{e}");
    }
}

#[test]
fn the_compiled_in_schemas_are_exactly_the_files_in_content_forms() {
    let on_disk: Vec<(String, String)> = files_on_disk();
    let mut compiled: Vec<(String, String)> =
        crate::SOURCES.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
    compiled.sort();
    assert_eq!(
        on_disk.iter().map(|f| &f.0).collect::<Vec<_>>(),
        compiled.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "add new files in content/forms to SOURCES in lib.rs"
    );
    assert_eq!(on_disk, compiled);
    let ids: Vec<&str> = crate::all().iter().map(Schema::id).collect();
    assert_eq!(
        ids,
        [
            "registration",
            "monthly-report",
            "training-plan",
            "case-upload",
            "integrity-result",
            "integrity-case",
            "integrity-review",
            "external-training",
            "policy-upload",
            "integrity-import"
        ]
    );
    assert!(crate::schema("integrity-result").is_some());
    assert!(crate::schema("nope").is_none());
}

fn condition_fields_exist(schema: &Schema, c: &Condition, group: Option<&str>) {
    match c {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| condition_fields_exist(schema, c, group)),
        Condition::AnyRow { group: g, condition } => {
            assert!(schema.field(g).is_some_and(|f| f.kind() == FieldType::Group), "{}: no group {g}", schema.id());
            condition_fields_exist(schema, condition, Some(g));
        }
        Condition::Equals { field, .. }
        | Condition::In { field, .. }
        | Condition::NotIn { field, .. }
        | Condition::Contains { field, .. }
        | Condition::ContainsAny { field, .. }
        | Condition::Filled { field, .. } => {
            let found = match (field.is_in_row(), group) {
                (true, Some(g)) => schema.field(&format!("{g}.{}", field.id())),
                _ => schema.field(field.id()),
            };
            assert!(found.is_some(), "{}: condition names missing field {}", schema.id(), field.id());
        }
    }
}

#[test]
fn every_rule_and_condition_refers_to_existing_fields() {
    for schema in crate::all() {
        for rule in schema.rules() {
            let scope = rule.scope();
            let resolve = |id: &str| match scope {
                Some(g) => schema.field(&format!("{g}.{id}")),
                None => schema.field(id),
            };
            let named: Vec<&str> = match rule.kind() {
                RuleKind::Sum { total, parts, .. } => std::iter::once(total).chain(parts).map(String::as_str).collect(),
                RuleKind::Compare { left, right: Operand::Field(r), .. } => vec![left, r],
                RuleKind::Compare { left, .. } => vec![left],
                RuleKind::Range { fields, .. } => fields.iter().map(String::as_str).collect(),
                RuleKind::Allowed { field, .. } => vec![field],
                RuleKind::Count { group, filter, .. } => {
                    if let Some(c) = filter {
                        condition_fields_exist(schema, c, Some(group));
                    }
                    vec![]
                }
                RuleKind::Unique { group, field } => {
                    assert!(schema.field(&format!("{group}.{field}")).is_some());
                    vec![]
                }
                RuleKind::Span { days, start, end } => vec![days, start, end],
            };
            for id in named {
                assert!(resolve(id).is_some(), "{}: a rule names missing field {id}", schema.id());
            }
            if let Some(c) = rule.applies_when() {
                condition_fields_exist(schema, c, scope);
            }
        }
        for field in schema.fields() {
            for f in std::iter::once(field).chain(field.columns()) {
                let group = (f.id() != field.id()).then(|| field.id());
                if let Some(c) = f.shown_when() {
                    condition_fields_exist(schema, c, group);
                }
                if let crate::Requirement::When(c) = f.requirement() {
                    condition_fields_exist(schema, c, group);
                }
            }
        }
    }
}

#[test]
fn a_malformed_schema_file_fails_naming_the_file_line_and_field() {
    let (file, text) = crate::SOURCES[0];
    let broken = text.replace("pattern = \"1[3-9][0-9]{9}\"", "pattern = \"1\\\\d{10}\"");
    assert_ne!(broken, text);
    let e = Schema::from_toml(file, &broken).unwrap_err().to_string();
    let line = text.lines().position(|l| l.contains("id = \"phone\"")).map(|n| n + 1).unwrap_or(0);
    assert!(e.starts_with(&format!("content/forms/registration.toml:{line}: field `phone`: pattern")), "{e}");

    let broken = text.replace("type = \"tel\"", "type = \"telephone\"");
    let e = Schema::from_toml(file, &broken).unwrap_err().to_string();
    assert!(e.starts_with("content/forms/registration.toml: TOML parse error at line"), "{e}");
    assert!(e.contains("telephone"), "{e}");

    let (file, text) = crate::SOURCES[1];
    let broken = text.replace("right = \"papers_total\"", "right = \"paper_total\"");
    let e = Schema::from_toml(file, &broken).unwrap_err().to_string();
    assert!(e.starts_with("content/forms/monthly-report.toml:") && e.contains("no field `paper_total`"), "{e}");
}

#[test]
fn the_region_lists_of_registration_case_upload_and_integrity_case_are_the_same() {
    let options = |form: &str| -> Vec<(String, String, String)> {
        crate::schema(form)
            .and_then(|s| s.field("region"))
            .map(|f| {
                f.options()
                    .iter()
                    .map(|o| (o.value().to_string(), o.label(Lang::Zh).to_string(), o.label(Lang::En).to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(options("registration").len(), 33);
    assert_eq!(options("registration"), options("case-upload"));
    assert_eq!(options("registration"), options("integrity-case"));
}

#[test]
fn every_check_html_can_express_is_in_the_html_attributes() {
    for schema in crate::all() {
        for field in schema.fields() {
            for f in std::iter::once(field).chain(field.columns()) {
                let attrs = f.html_attrs();
                let has = |name: &str, value: String| attrs.contains(&(name, value));
                let what = format!("{}: {}", schema.id(), f.id());
                // A phone number's are checked on the number without its grouping (server only).
                let typed_as_is = f.kind() != FieldType::Tel;
                if let Some(p) = f.pattern().filter(|_| typed_as_is) {
                    assert!(has("pattern", p.as_str().to_string()), "{what}");
                }
                if let Some(n) = f.maxlength().filter(|_| typed_as_is) {
                    assert!(has("maxlength", n.to_string()), "{what}");
                }
                if let Some(n) = f.minlength().filter(|_| typed_as_is) {
                    assert!(has("minlength", n.to_string()), "{what}");
                }
                if let Some(m) = f.min() {
                    assert!(has("min", m.to_string()), "{what}");
                }
                if let Some(m) = f.max() {
                    assert!(has("max", m.to_string()), "{what}");
                }
                if f.kind() == FieldType::Number {
                    assert!(has("step", f.step().to_string()), "{what}");
                }
                if !f.accept().is_empty() {
                    assert!(has("accept", f.accept().join(",")), "{what}");
                }
                let unconditional = f.is_required()
                    && matches!(
                        f.kind(),
                        FieldType::Text
                            | FieldType::Email
                            | FieldType::Tel
                            | FieldType::Select
                            | FieldType::Radio
                            | FieldType::Checkbox
                            | FieldType::File
                            | FieldType::Textarea
                            | FieldType::Number
                            | FieldType::Date
                            | FieldType::Month
                            | FieldType::Url
                    );
                assert_eq!(has("required", String::new()), unconditional, "{what}");
                match f.kind() {
                    FieldType::Email => assert!(has("type", "email".into()), "{what}"),
                    FieldType::Tel => assert!(has("type", "tel".into()), "{what}"),
                    FieldType::Number => assert!(has("type", "number".into()), "{what}"),
                    FieldType::Date => assert!(has("type", "date".into()), "{what}"),
                    _ => {}
                }
                assert!(!f.label(Lang::Zh).is_empty() && !f.label(Lang::En).is_empty(), "{what}");
            }
        }
    }
}

#[test]
fn every_server_pattern_is_the_browser_pattern_anchored() {
    for schema in crate::all() {
        for field in schema.fields().iter().flat_map(|f| std::iter::once(f).chain(f.columns())) {
            if let Some(p) = field.pattern() {
                assert_eq!(p.regex.as_str(), format!("^(?:{})$", p.as_str()));
            }
        }
    }
    let phone =
        crate::schema("monthly-report").and_then(|s| s.field("filler_phone")).and_then(|f| f.pattern()).unwrap();
    assert!(phone.is_match("0311-85891978") && phone.is_match("18620687239"));
    assert!(!phone.is_match("x18620687239"), "alternatives are anchored as a whole");
}

#[test]
fn schemas_serialise_for_templates() {
    let json = serde_json::to_value(crate::schema("registration").unwrap()).unwrap();
    assert_eq!(json["id"], "registration");
    let phone =
        json["fields"].as_array().and_then(|f| f.iter().find(|f| f["id"] == "phone")).cloned().unwrap_or_default();
    assert_eq!(phone["pattern"], "1[3-9][0-9]{9}");
    assert_eq!(phone["type"], "tel");
}
