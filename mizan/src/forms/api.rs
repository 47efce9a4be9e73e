//! A form's body as the API document describes it: one text property per field, with
//! its label, help and rules, from the same [`FormSchema`] the browser renders.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::{FieldKind, FieldSchema, Form, FormSchema, Rule};

/// The body of `/api/<form>.validate` and `.submit` for form `F`: a reference to the
/// component named after its struct (`ContactForm`), which it adds.
pub fn body_schema<F: Form>(generator: &mut SchemaGenerator) -> Schema {
    let path = std::any::type_name::<F>();
    let component = path.rsplit("::").next().unwrap_or(path);
    generator
        .definitions_mut()
        .insert(component.to_owned(), describe(F::schema()).to_value());
    Schema::new_ref(format!("#/components/schemas/{component}"))
}

/// Every value is text, in a JSON body as in a form-encoded one: what a browser posts.
fn describe(form: &FormSchema) -> Schema {
    let properties: Map<String, Value> = form
        .fields
        .iter()
        .map(|field| (field.name.to_string(), field_schema(field)))
        .collect();
    let required: Vec<&str> = form
        .fields
        .iter()
        .filter(|field| field.required)
        .map(|field| field.name.as_ref())
        .collect();
    let mut object = Map::new();
    object.insert("type".into(), "object".into());
    object.insert("properties".into(), properties.into());
    object.insert("required".into(), json!(required));
    Schema::from(object)
}

fn field_schema(field: &FieldSchema) -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), "string".into());
    schema.insert("title".into(), field.label.as_ref().into());
    let mut notes = Vec::new();
    if let Some(help) = &field.help {
        notes.push(help.to_string());
    }
    match field.kind {
        FieldKind::Integer => notes.push("A whole number.".into()),
        FieldKind::Boolean => {
            schema.insert(
                "enum".into(),
                json!(["true", "false", "on", "off", "1", "0"]),
            );
        }
        FieldKind::Password => {
            schema.insert("format".into(), "password".into());
        }
        FieldKind::Text | FieldKind::Textarea | FieldKind::Email | FieldKind::Hidden => {}
    }
    for rule in &field.rules {
        match rule {
            Rule::Length { min, max } => {
                if let Some(min) = min {
                    schema.insert("minLength".into(), (*min).into());
                }
                if let Some(max) = max {
                    schema.insert("maxLength".into(), (*max).into());
                }
            }
            Rule::Email => {
                schema.insert("format".into(), "email".into());
            }
            Rule::Range { min, max } => notes.push(match (min, max) {
                (Some(min), Some(max)) => format!("From {min} to {max}."),
                (Some(min), None) => format!("At least {min}."),
                (None, Some(max)) => format!("At most {max}."),
                (None, None) => continue,
            }),
            Rule::Pattern { message, .. } => notes.push(format!("Checked: {message}.")),
        }
    }
    if !notes.is_empty() {
        schema.insert("description".into(), notes.join(" ").into());
    }
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn fields_become_text_properties_with_their_rules() {
        let form = FormSchema {
            name: Cow::Borrowed("contact"),
            fields: vec![
                FieldSchema {
                    name: Cow::Borrowed("email"),
                    kind: FieldKind::Email,
                    label: Cow::Borrowed("Email"),
                    help: None,
                    required: true,
                    rules: vec![Rule::Email],
                },
                FieldSchema {
                    name: Cow::Borrowed("urgency"),
                    kind: FieldKind::Integer,
                    label: Cow::Borrowed("Urgency"),
                    help: None,
                    required: false,
                    rules: vec![Rule::Range {
                        min: Some(1),
                        max: Some(5),
                    }],
                },
            ],
        };
        assert_eq!(
            describe(&form).to_value(),
            json!({
                "type": "object",
                "properties": {
                    "email": {"type": "string", "title": "Email", "format": "email"},
                    "urgency": {"type": "string", "title": "Urgency",
                                "description": "A whole number. From 1 to 5."},
                },
                "required": ["email"],
            })
        );
    }
}
