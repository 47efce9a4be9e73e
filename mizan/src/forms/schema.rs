//! What a form is made of, as the framework and other clients see it: served as JSON at
//! `/api/<form>.schema` and used by `<MizanForm>` to render any form.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::rules::Rule;

/// A whole form: its name (as in its endpoints) and its fields, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FormSchema {
    /// The form's name: `/api/<name>.submit`.
    pub name: Cow<'static, str>,
    /// The fields in the order they are shown.
    pub fields: Vec<FieldSchema>,
}

impl FormSchema {
    /// The field called `name`, if the form has one.
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldSchema {
    /// The name it is posted under.
    pub name: Cow<'static, str>,
    /// What kind of value it holds, and so which input shows it.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// The label shown beside it.
    pub label: Cow<'static, str>,
    /// A hint shown under it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Cow<'static, str>>,
    /// Whether it must be filled in.
    pub required: bool,
    /// The rules its value must meet when it is filled in.
    pub rules: Vec<Rule>,
}

/// The kinds of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// An email address.
    Email,
    /// A secret: never trimmed, never shown again.
    Password,
    /// A whole number.
    Integer,
    /// Yes or no (a checkbox).
    Boolean,
    /// Carried by the page, not typed (a token from a link): never trimmed or shown.
    Hidden,
}

impl FieldKind {
    /// The value as a rule should see it: trimmed (except passwords), `None` when empty.
    pub fn clean(self, raw: Option<&str>) -> Option<&str> {
        let raw = raw?;
        let value = if matches!(self, Self::Password | Self::Hidden) {
            raw
        } else {
            raw.trim()
        };
        (!value.is_empty()).then_some(value)
    }
}
