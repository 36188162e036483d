//! The small forms of one step (approve, return with a comment, forward …), drawn by
//! the `action_form` macro of `case_macros.html`. Each posts to the form route of its
//! step (a button of another step to that step's route); its `_action` control names
//! the form, so a refusal is shown again in the form it came from.

use serde::Serialize;
use serde_json::Value;

use super::pages::{ZH, controls};
use crate::web::attempt::Attempt;

/// A form of one step, with its fields, buttons and, after a refusal, its errors.
#[derive(Debug, Serialize)]
pub(crate) struct ActionForm {
    id: String,
    title: String,
    intro: Option<String>,
    action: String,
    hidden: Vec<(String, String)>,
    fields: Vec<ActionField>,
    buttons: Vec<Button>,
    /// The error summary: `(href, message)`, href empty when no field is at fault.
    summary: Vec<(String, String)>,
    message: Option<String>,
    /// A refused attempt of this form is shown in it.
    pub(crate) drawn: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct ActionField {
    name: String,
    id: String,
    label: String,
    /// `text`, `textarea` or `select`.
    kind: &'static str,
    hint: Option<String>,
    value: String,
    error: Option<String>,
    required: bool,
    maxlength: Option<u32>,
    options: Vec<Choice>,
    described_by: String,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Debug, Serialize)]
struct Button {
    /// The form route of this button, when not the form's own.
    formaction: Option<String>,
    label: String,
    secondary: bool,
}

impl ActionForm {
    /// The form `id` of a page, posting to the form route `action` (a site path).
    pub(crate) fn new(id: &str, title: &str, action: &str) -> ActionForm {
        ActionForm {
            id: id.to_owned(),
            title: title.to_owned(),
            intro: None,
            action: action.to_owned(),
            hidden: controls(&[("_action", id)]),
            fields: Vec::new(),
            buttons: Vec::new(),
            summary: Vec::new(),
            message: None,
            drawn: false,
        }
    }

    pub(crate) fn intro(mut self, text: &str) -> Self {
        self.intro = Some(text.to_owned());
        self
    }

    pub(crate) fn hidden(mut self, name: &str, value: &str) -> Self {
        self.hidden.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A button posting to another form route (`formaction`): the other outcome.
    pub(crate) fn button_to(mut self, label: &str, formaction: &str, secondary: bool) -> Self {
        self.buttons.push(Button { formaction: Some(formaction.into()), label: label.into(), secondary });
        self
    }

    pub(crate) fn button(mut self, label: &str, secondary: bool) -> Self {
        self.buttons.push(Button { formaction: None, label: label.into(), secondary });
        self
    }

    pub(crate) fn field(mut self, mut field: ActionField) -> Self {
        field.id = format!("{}-{}", self.id, field.name);
        self.fields.push(field);
        self
    }

    /// Fills in what was typed and the errors, when `attempt` came from this form.
    pub(crate) fn with_attempt(mut self, attempt: Option<&Attempt>) -> Self {
        let Some(a) = attempt.filter(|a| a.control("_action") == Some(self.id.as_str())) else {
            return self.described();
        };
        for f in &mut self.fields {
            if let Some(v) = a.values.get(&f.name).and_then(Value::as_str) {
                f.value = v.to_owned();
                f.options.iter_mut().for_each(|o| o.selected = o.value == v);
            }
            f.error = a.errors.iter().find(|(path, _)| *path == f.name).map(|(_, m)| m.clone());
        }
        self.summary = a
            .errors
            .iter()
            .filter(|(path, _)| !path.is_empty())
            .map(|(path, message)| {
                let href = self.fields.iter().find(|f| f.name == *path).map(|f| format!("#{}", f.id));
                (href.unwrap_or_default(), message.clone())
            })
            .collect();
        self.message = Some(a.message.clone()).filter(|m| !m.is_empty());
        self.drawn = true;
        self.described()
    }

    fn described(mut self) -> Self {
        for f in &mut self.fields {
            let mut ids = Vec::new();
            if f.hint.is_some() {
                ids.push(format!("{}-hint", f.id));
            }
            if f.error.is_some() {
                ids.push(format!("{}-error", f.id));
            }
            f.described_by = ids.join(" ");
        }
        self
    }
}

impl ActionField {
    fn new(name: &str, label: &str, kind: &'static str, required: bool, maxlength: Option<u32>) -> ActionField {
        ActionField {
            name: name.to_owned(),
            id: name.to_owned(),
            label: label.to_owned(),
            kind,
            hint: None,
            value: String::new(),
            error: None,
            required,
            maxlength,
            options: Vec::new(),
            described_by: String::new(),
        }
    }

    /// One line of text.
    pub(crate) fn text(name: &str, label: &str, required: bool, maxlength: u32) -> ActionField {
        ActionField::new(name, label, "text", required, Some(maxlength))
    }

    pub(crate) fn textarea(name: &str, label: &str, required: bool, maxlength: u32) -> ActionField {
        ActionField::new(name, label, "textarea", required, Some(maxlength))
    }

    pub(crate) fn select(name: &str, label: &str, options: &[gazette_forms::Choice], selected: &str) -> ActionField {
        let options = options.iter().map(|o| (o.value().to_owned(), o.label(ZH).to_owned()));
        ActionField::choices(name, label, options, selected)
    }

    /// A required choice among `(value, label)` options (a list from the directory).
    pub(crate) fn choices(
        name: &str,
        label: &str,
        options: impl IntoIterator<Item = (String, String)>,
        selected: &str,
    ) -> ActionField {
        let mut field = ActionField::new(name, label, "select", true, None);
        field.value = selected.to_owned();
        field.options =
            options.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect();
        field
    }

    pub(crate) fn hint(mut self, hint: &str) -> Self {
        self.hint = Some(hint.to_owned());
        self
    }
}
