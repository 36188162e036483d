//! How a field maps onto HTML, kept next to the schema so the renderer cannot drift
//! from the validator: every check that HTML can express becomes its attribute
//! (`required`, `pattern`, `minlength`, `maxlength`, `min`, `max`, `step`, `accept`,
//! `multiple`, input `type`), and the server enforces exactly the same values.
//!
//! What HTML cannot express — conditional requirements, cross-field rules, file size,
//! number of rows, ID check characters, a phone number's pattern (it holds once the
//! grouping is taken out) — is enforced by the server only, and its message comes
//! back with the field's path.

use crate::schema::{Field, FieldType, Limit};

/// The HTML element (or pattern of elements) a field is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Element {
    /// `<input type=…>` (see [`Field::html_type`]).
    Input,
    Textarea,
    Select,
    /// A `<fieldset>` of `<input type=radio>`.
    Radios,
    /// A `<fieldset>` of `<input type=checkbox>`.
    Checkboxes,
    /// A `<fieldset>` per row of a repeatable group; columns are rendered inside it
    /// with names `group[row].column`.
    Fieldset,
}

impl Field {
    pub fn html_element(&self) -> Element {
        match self.kind {
            FieldType::Textarea => Element::Textarea,
            FieldType::Select => Element::Select,
            FieldType::Radio => Element::Radios,
            FieldType::Checkboxes => Element::Checkboxes,
            FieldType::Group => Element::Fieldset,
            _ => Element::Input,
        }
    }

    /// The `type` of an `<input>`; `None` for other elements. A honeypot is a plain
    /// text input that the page hides from people (not `type=hidden`, which bots skip).
    pub fn html_type(&self) -> Option<&'static str> {
        Some(match self.kind {
            FieldType::Text | FieldType::Honeypot => "text",
            FieldType::Email => "email",
            FieldType::Tel => "tel",
            FieldType::Url => "url",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Month => "month",
            FieldType::Checkbox => "checkbox",
            FieldType::Hidden => "hidden",
            FieldType::File => "file",
            FieldType::Radio => "radio",
            FieldType::Textarea | FieldType::Select | FieldType::Checkboxes | FieldType::Group => {
                return None;
            }
        })
    }

    /// The validation attributes for the field's control(s), as `(name, value)`;
    /// boolean attributes (`required`, `multiple`) have an empty value. For radios
    /// they go on each `<input type=radio>`. `required` is only given when it is
    /// unconditional: a field shown or required only under a condition is checked by
    /// the server. In a blank "add another" row of a group, drop `required`.
    pub fn html_attrs(&self) -> Vec<(&'static str, String)> {
        let mut attrs = Vec::new();
        if let Some(t) = self.html_type() {
            if self.html_element() == Element::Input {
                attrs.push(("type", t.to_string()));
            }
        }
        if self.is_required() && !matches!(self.kind, FieldType::Checkboxes | FieldType::Group | FieldType::Hidden) {
            attrs.push(("required", String::new()));
        }
        // A phone number's pattern and lengths hold for the number once the spaces,
        // hyphens and country code people write are taken out (`phone.rs`); the
        // browser would check them on what was typed, and `maxlength` would cut a
        // pasted `186 1234 7239`. So for `tel` the server checks them alone.
        if self.kind != FieldType::Tel {
            if let Some(p) = &self.pattern {
                attrs.push(("pattern", p.source.clone()));
            }
            if let Some(n) = self.minlength {
                attrs.push(("minlength", n.to_string()));
            }
            if let Some(n) = self.maxlength {
                attrs.push(("maxlength", n.to_string()));
            }
        }
        let limit = |l: Limit| l.to_string();
        if let Some(min) = self.min {
            attrs.push(("min", limit(min)));
        }
        if let Some(max) = self.max {
            attrs.push(("max", limit(max)));
        }
        if self.kind == FieldType::Number {
            attrs.push(("step", self.step.to_string()));
            if !self.step.is_integer() {
                attrs.push(("inputmode", "decimal".into()));
            }
        }
        if self.kind == FieldType::File {
            if !self.accept.is_empty() {
                attrs.push(("accept", self.accept.join(",")));
            }
            if self.multiple {
                attrs.push(("multiple", String::new()));
            }
            if let Some(max) = self.max_size {
                // For an optional script to refuse big files before uploading them.
                attrs.push(("data-max-size", max.to_string()));
            }
        }
        match (&self.autocomplete, self.kind) {
            (_, FieldType::Honeypot) => {
                attrs.push(("autocomplete", "off".into()));
                attrs.push(("tabindex", "-1".into()));
            }
            (Some(token), _) => attrs.push(("autocomplete", token.clone())),
            (None, _) => {}
        }
        attrs
    }
}
