//! Turning details (progress, failure, cancellation) into the text SWF stores.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Renders `details` as SWF text: a string value is sent as it is, any other value as JSON.
///
/// Values are rendered straight to text, with no intermediate JSON tree.
///
/// ```
/// use swf_activity::details::render_details;
///
/// assert_eq!(render_details("50%").unwrap(), "50%");
/// assert_eq!(render_details(&serde_json::json!({"done": 5})).unwrap(), r#"{"done":5}"#);
/// ```
pub fn render_details<T: Serialize + ?Sized>(details: &T) -> Result<String, serde_json::Error> {
    let mut text = Vec::new();
    render_details_into(details, &mut text)?;
    // Both renderings write UTF-8 only.
    String::from_utf8(text).map_err(|_| {
        <serde_json::Error as serde::ser::Error>::custom("details rendered as invalid UTF-8")
    })
}

/// Renders `details` as [`render_details`] does, appending the UTF-8 text to `out`. With a
/// reused buffer, a string costs one copy and no allocation.
pub(crate) fn render_details_into<T: Serialize + ?Sized>(
    details: &T,
    out: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    let start = out.len();
    match details.serialize(PlainText(out)) {
        Ok(()) => Ok(()),
        Err(NotPlainText) => {
            out.truncate(start);
            serde_json::to_writer(out, details)
        }
    }
}

/// A serializer that accepts only what JSON would render as one string (a string, a char, a unit
/// enum variant, or such a value inside `Some` or a newtype) and writes it unquoted.
struct PlainText<'a>(&'a mut Vec<u8>);

/// The value is not a plain string: render it as JSON.
#[derive(Debug)]
struct NotPlainText;

impl fmt::Display for NotPlainText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a plain string")
    }
}

impl std::error::Error for NotPlainText {}

impl ser::Error for NotPlainText {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        NotPlainText
    }
}

/// Every method that is not about strings refuses.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<(), NotPlainText> {
            Err(NotPlainText)
        }
    )*};
}

impl ser::Serializer for PlainText<'_> {
    type Ok = ();
    type Error = NotPlainText;
    type SerializeSeq = Impossible<(), NotPlainText>;
    type SerializeTuple = Impossible<(), NotPlainText>;
    type SerializeTupleStruct = Impossible<(), NotPlainText>;
    type SerializeTupleVariant = Impossible<(), NotPlainText>;
    type SerializeMap = Impossible<(), NotPlainText>;
    type SerializeStruct = Impossible<(), NotPlainText>;
    type SerializeStructVariant = Impossible<(), NotPlainText>;

    fn serialize_str(self, v: &str) -> Result<(), NotPlainText> {
        self.0.extend_from_slice(v.as_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), NotPlainText> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), NotPlainText> {
        self.serialize_str(variant)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), NotPlainText> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), NotPlainText> {
        value.serialize(self)
    }

    refuse! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, NotPlainText> {
        Err(NotPlainText)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, NotPlainText> {
        Err(NotPlainText)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    enum Phase {
        Downloading,
        Resizing { done: u32 },
    }

    #[derive(Serialize)]
    struct Name(String);

    #[derive(Serialize)]
    struct Step {
        done: u32,
        of: u32,
    }

    /// The rendering used to go through `serde_json::Value`: the same text for every shape.
    #[test]
    fn renders_as_the_json_value_would() {
        fn through_value<T: Serialize>(value: &T) -> String {
            match serde_json::to_value(value).unwrap() {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            }
        }
        fn check<T: Serialize>(value: T) {
            assert_eq!(render_details(&value).unwrap(), through_value(&value));
        }
        check("plain");
        check("with \"quotes\" and \n".to_owned());
        check('c');
        check(Some("inner"));
        check(None::<String>);
        check(Name("newtype".to_owned()));
        check(Phase::Downloading);
        check(Phase::Resizing { done: 3 });
        check(Step { done: 1, of: 2 });
        check(42_u32);
        check(-1.5_f64);
        check(true);
        check(());
        check(vec!["a", "b"]);
        check(std::collections::BTreeMap::from([("k", 1)]));
    }
}
