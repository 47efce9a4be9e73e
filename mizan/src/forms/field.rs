//! The Rust types a form field may have, and how each reads a posted string.

use super::rules::{NOT_A_NUMBER, Rule};
use super::schema::FieldKind;

/// A type a form field can have. The derive uses it to describe the field (kind,
/// required) and to read its posted value.
pub trait FieldType: Sized {
    /// The kind of input that shows it, unless the field says otherwise.
    const KIND: FieldKind;
    /// Whether an empty value is refused (`Option` and `bool` fields may stay empty).
    const REQUIRED: bool;
    /// The help shown under the field, unless the field gives its own.
    const HELP: Option<&'static str> = None;

    /// Reads the cleaned value (see [`FieldKind::clean`]); `None` when it was empty.
    ///
    /// # Errors
    /// What to tell the person when the text is not a value of this type.
    fn parse(value: Option<&str>) -> Result<Self, String>;

    /// The rules every value of this type follows, before the field's own (described in
    /// the schema, so the browser and the API document know them too).
    fn rules() -> Vec<Rule> {
        Vec::new()
    }
}

/// The message for a required field left empty.
pub const REQUIRED: &str = "this field is required";

impl FieldType for String {
    const KIND: FieldKind = FieldKind::Text;
    const REQUIRED: bool = true;

    fn parse(value: Option<&str>) -> Result<Self, String> {
        value.map(str::to_owned).ok_or_else(|| REQUIRED.to_owned())
    }
}

impl FieldType for bool {
    const KIND: FieldKind = FieldKind::Boolean;
    const REQUIRED: bool = false;

    /// A checkbox posts `on` (or our client `true`) when ticked and nothing otherwise.
    fn parse(value: Option<&str>) -> Result<Self, String> {
        match value {
            None | Some("false" | "off" | "0") => Ok(false),
            Some("true" | "on" | "1" | "yes") => Ok(true),
            Some(_) => Err("choose yes or no".to_owned()),
        }
    }
}

macro_rules! integer_field {
    ($($t:ty),*) => {$(
        impl FieldType for $t {
            const KIND: FieldKind = FieldKind::Integer;
            const REQUIRED: bool = true;

            fn parse(value: Option<&str>) -> Result<Self, String> {
                value
                    .ok_or_else(|| REQUIRED.to_owned())?
                    .parse()
                    .map_err(|_| NOT_A_NUMBER.to_owned())
            }
        }
    )*};
}
integer_field!(u8, u16, u32, u64, i8, i16, i32, i64);

impl<T: FieldType> FieldType for Option<T> {
    const KIND: FieldKind = T::KIND;
    const REQUIRED: bool = false;
    const HELP: Option<&'static str> = T::HELP;

    fn parse(value: Option<&str>) -> Result<Self, String> {
        value.map(|v| T::parse(Some(v))).transpose()
    }

    fn rules() -> Vec<Rule> {
        T::rules()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_refuse_words_and_overflow() {
        assert_eq!(u8::parse(Some("5")), Ok(5));
        assert_eq!(u8::parse(Some("high")), Err(NOT_A_NUMBER.to_owned()));
        assert_eq!(u8::parse(Some("300")), Err(NOT_A_NUMBER.to_owned()));
        assert_eq!(u8::parse(None), Err(REQUIRED.to_owned()));
        assert_eq!(Option::<u8>::parse(None), Ok(None));
    }

    #[test]
    fn checkboxes_read_what_browsers_post() {
        assert_eq!(bool::parse(Some("on")), Ok(true));
        assert_eq!(bool::parse(None), Ok(false));
        assert!(bool::parse(Some("maybe")).is_err());
    }

    #[test]
    fn passwords_keep_their_spaces_and_text_is_trimmed() {
        assert_eq!(FieldKind::Password.clean(Some(" pw ")), Some(" pw "));
        assert_eq!(FieldKind::Text.clean(Some(" Ada ")), Some("Ada"));
        assert_eq!(FieldKind::Text.clean(Some("   ")), None);
    }
}
