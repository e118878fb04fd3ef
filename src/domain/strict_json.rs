//! Reads a request's JSON strictly, whatever type it is read into: a struct only from an object
//! (never positionally from an array), no field the type does not know (an unknown key is the
//! one a type's visitor skips), and no control character in any string but newline, carriage
//! return and tab. An error names the field by its path (`fields.title.ru`, `flows.3`).
//!
//! It wraps serde_json's `Value` deserializer, so scalars read exactly as serde_json reads them.
//! Limits: keys gathered by `#[serde(flatten)]` and the contents of tagged enum variants are
//! read by serde's own buffers, not walked here: those types carry `deny_unknown_fields` (serde
//! refuses their unknown keys; `custom` names them by path), and their decimals check their own
//! writing ([`plain_decimal`]).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::domain::validation::Violations;

/// Why a body does not read as its type, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictError {
    /// The field's path; empty for the body itself.
    pub path: Vec<String>,
    pub kind: StrictErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrictErrorKind {
    /// A key the type does not have.
    UnknownField,
    /// An array (or anything else) where an object belongs.
    ObjectExpected,
    /// A string with a control character.
    ControlCharacter,
    /// A decimal that is not written plainly (`1E-2`, `.5`, `1_000`), has more digits than can
    /// be kept exactly (28), or is a JSON number that a binary float cannot carry exactly.
    NotPlainDecimal,
    /// A required field is missing.
    Missing(String),
    /// Anything else serde says: a wrong type, a bad value.
    Invalid(String),
}

impl StrictError {
    fn at(mut self, segment: String) -> Self {
        self.path.insert(0, segment);
        self
    }

    /// The path as one field name, as the API's field errors name fields: `a.b.2.c`.
    pub fn field(&self) -> String {
        self.path.join(".")
    }
}

impl std::fmt::Display for StrictError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {:?}", self.field(), self.kind)
    }
}

impl std::error::Error for StrictError {}

impl de::Error for StrictError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        let text = msg.to_string();
        // What serde's own buffers (a flattened type's) report only as a message: an unknown
        // key, named by its path, and a decimal that is not plain.
        if let Some((name, _)) = text.strip_prefix("unknown field `").and_then(|r| r.split_once('`')) {
            return StrictError {
                path: vec![name.to_string()],
                kind: StrictErrorKind::UnknownField,
            };
        }
        let kind = if text == NOT_PLAIN {
            StrictErrorKind::NotPlainDecimal
        } else {
            StrictErrorKind::Invalid(text)
        };
        StrictError { path: Vec::new(), kind }
    }

    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Self {
        StrictError {
            path: Vec::new(),
            kind: StrictErrorKind::UnknownField,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        StrictError {
            path: Vec::new(),
            kind: StrictErrorKind::Missing(field.to_string()),
        }
    }
}

fn from_json(e: serde_json::Error) -> StrictError {
    de::Error::custom(e)
}

impl StrictError {
    /// The error as the field message of a refused request.
    pub fn violations(&self) -> Violations {
        let mut field = self.field();
        let code = match &self.kind {
            StrictErrorKind::UnknownField => "unknown_field",
            StrictErrorKind::ObjectExpected => "object_expected",
            StrictErrorKind::ControlCharacter => "control_character",
            StrictErrorKind::NotPlainDecimal => "plain_decimal",
            StrictErrorKind::Missing(name) => {
                field = if field.is_empty() {
                    name.clone()
                } else {
                    format!("{field}.{name}")
                };
                "required"
            }
            StrictErrorKind::Invalid(_) => "wrong_type",
        };
        let mut v = Violations::new();
        v.add(if field.is_empty() { "body".to_string() } else { field }, code);
        v
    }
}

/// Reads a request body's JSON `raw` as `T` strictly, its numbers as written.
pub fn read_body<T: de::DeserializeOwned>(raw: &serde_json::value::RawValue) -> Result<T, StrictError> {
    numbers_as_written(raw)?;
    from_value(serde_json::from_str(raw.get()).map_err(from_json)?)
}

/// Reads `T` from `value` strictly.
pub fn from_value<T: de::DeserializeOwned>(value: Value) -> Result<T, StrictError> {
    T::deserialize(Strict(value))
}

/// `record` after an RFC 7396 merge patch (`null` removes, objects merge, anything else
/// replaces), read back strictly: a patch that is not an object replaces the whole record, and
/// one that names a field the record does not have is refused, naming it.
pub fn merge_patch<T: serde::Serialize + de::DeserializeOwned>(record: &T, patch: &Value) -> Result<T, StrictError> {
    if !patch.is_object() {
        return from_value::<T>(patch.clone());
    }
    fn merge(target: &mut Value, patch: &Value) {
        match (target, patch) {
            (Value::Object(t), Value::Object(p)) => {
                for (key, value) in p {
                    if value.is_null() {
                        t.remove(key);
                    } else {
                        merge(t.entry(key.clone()).or_insert(Value::Null), value);
                    }
                }
            }
            (target, patch) => *target = patch.clone(),
        }
    }
    let mut merged = serde_json::to_value(record).map_err(de::Error::custom)?;
    merge(&mut merged, patch);
    from_value(merged)
}

fn check_text(text: &str) -> Result<(), StrictError> {
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        Err(StrictError {
            path: Vec::new(),
            kind: StrictErrorKind::ControlCharacter,
        })
    } else {
        Ok(())
    }
}

/// Whether the visitor reads a `rust_decimal::Decimal` (it says so in what it expects): such a
/// value must be written plainly and kept exactly, never rounded on the way in.
fn reads_decimal<'de, V: Visitor<'de>>(visitor: &V) -> bool {
    struct Expecting<'a, V>(&'a V);
    impl<'de, V: Visitor<'de>> std::fmt::Display for Expecting<'_, V> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.expecting(f)
        }
    }
    Expecting(visitor).to_string().contains("Decimal")
}

/// How the API description states a decimal field: a string written plainly (the pattern; at
/// most 28 digits in all), or a plain JSON number. Fields say `value_type = PlainDecimal`.
pub struct PlainDecimal;

/// A plain decimal as a pattern: what [`is_plain_decimal`] accepts, but for its digit count.
pub const PLAIN_DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?$";

impl utoipa::PartialSchema for PlainDecimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Number]))
            .pattern(Some(PLAIN_DECIMAL_PATTERN))
            .description(Some(
                "An exact decimal: best a string of digits with an optional point and sign (at most 28 \
                 digits), such as \"1250000.00\"; a plain JSON number is accepted when a binary float \
                 carries it exactly. Never rounded on the way in.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for PlainDecimal {
    fn name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
}

const NOT_PLAIN: &str = "a decimal written plainly: -?digits[.digits], at most 28 digits";

/// Reads a Decimal field that checks its own writing, for the types the strict reader does not
/// walk itself: those flattened into another (`#[serde(flatten)]`), which serde buffers first.
/// Use as `#[serde(deserialize_with = "crate::domain::strict_json::plain_decimal")]`.
pub fn plain_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<rust_decimal::Decimal, D::Error> {
    d.deserialize_any(PlainDecimalVisitor)
}

/// [`plain_decimal`] for a series.
pub fn plain_decimals<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<rust_decimal::Decimal>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Item(#[serde(deserialize_with = "plain_decimal")] rust_decimal::Decimal);
    Ok(<Vec<Item> as serde::Deserialize>::deserialize(d)?
        .into_iter()
        .map(|Item(value)| value)
        .collect())
}

struct PlainDecimalVisitor;

impl<'de> Visitor<'de> for PlainDecimalVisitor {
    type Value = rust_decimal::Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // "Decimal" in the words: the strict reader, when it does see the field, checks it too.
        f.write_str("a Decimal written plainly")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if !is_plain_decimal(text) {
            return Err(E::custom(NOT_PLAIN));
        }
        text.parse().map_err(|_| E::custom(NOT_PLAIN))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(n.into())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(n.into())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        // The float's shortest form; that the body said the same was checked on its text.
        self.visit_str(&n.to_string())
    }
}

/// Digits, an optional point followed by digits, an optional leading minus; at most 28 digits
/// in all (what a Decimal keeps exactly).
pub fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| crate::domain::validation::digits(s, 28).is_some();
    digits(whole) && fraction.is_none_or(digits) && whole.len() + fraction.map_or(0, str::len) <= 28
}

/// A JSON number a Decimal may be read from: an integer, or a float whose shortest form is
/// plain (no exponent) and at most 28 digits. That the float is what the body said is checked
/// on the body's text, before it is parsed ([`numbers_as_written`]).
fn is_exact_number(number: &serde_json::Number) -> bool {
    number.is_i64() || number.is_u64() || is_plain_decimal(&number.to_string())
}

/// Refuses a body's JSON number that the parser would not keep as written: serde_json reads a
/// fraction into a binary float, so `1000.00000000000000001` would become 1000, and an integer
/// beyond 64 bits would become a float too. Such a number is refused (`NotPlainDecimal`, with
/// its path), never rounded: a figure that long belongs in a string. Numbers that say the same
/// as their float (`12.50`, `0.30000000000000004`) and every 64-bit integer pass.
pub fn numbers_as_written(raw: &serde_json::value::RawValue) -> Result<(), StrictError> {
    numbers_within(raw, 0)
}

/// How deep a body may nest: the API's types nest six levels at most. Each level's text is
/// read again by the level below, so the bound also bounds the work to `MAX_DEPTH` readings.
const MAX_DEPTH: usize = 16;

fn numbers_within(raw: &serde_json::value::RawValue, depth: usize) -> Result<(), StrictError> {
    let text = raw.get().trim();
    if depth > MAX_DEPTH && matches!(text.as_bytes().first(), Some(b'{' | b'[')) {
        return Err(de::Error::custom(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    match text.as_bytes().first() {
        Some(b'{') => {
            let map: std::collections::BTreeMap<String, &serde_json::value::RawValue> =
                serde_json::from_str(text).map_err(from_json)?;
            for (key, value) in map {
                numbers_within(value, depth + 1).map_err(|e| e.at(key.clone()))?;
            }
            Ok(())
        }
        Some(b'[') => {
            let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(from_json)?;
            for (index, item) in items.into_iter().enumerate() {
                numbers_within(item, depth + 1).map_err(|e| e.at(index.to_string()))?;
            }
            Ok(())
        }
        Some(b'-' | b'0'..=b'9') if !says_what_its_float_says(text) => Err(StrictError {
            path: Vec::new(),
            kind: StrictErrorKind::NotPlainDecimal,
        }),
        _ => Ok(()),
    }
}

/// Whether serde_json keeps the number `text` as written: a 64-bit integer exactly, anything
/// else as a float whose shortest form has the same decimal value.
fn says_what_its_float_says(text: &str) -> bool {
    if text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
        return true;
    }
    let (Ok(written), Ok(float)) = (text.parse::<rust_decimal::Decimal>(), text.parse::<f64>()) else {
        // An exponent or more than a Decimal holds: the reader refuses it where a decimal
        // belongs (not plain), and no other field takes a fraction.
        return true;
    };
    float
        .to_string()
        .parse::<rust_decimal::Decimal>()
        .is_ok_and(|read| read == written)
}

/// Only strings and numbers can be read as a Decimal: the visitor is asked about those alone.
fn could_be_decimal(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_))
}

fn check_decimal(value: &Value) -> Result<(), StrictError> {
    let plain = match value {
        Value::String(s) => is_plain_decimal(s),
        Value::Number(n) => is_exact_number(n),
        _ => true,
    };
    if plain {
        Ok(())
    } else {
        Err(StrictError {
            path: Vec::new(),
            kind: StrictErrorKind::NotPlainDecimal,
        })
    }
}

struct Strict(Value);

/// Scalars read as serde_json reads them, after the string check.
macro_rules! as_json {
    ($($method:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, StrictError> {
            if let Value::String(s) = &self.0 {
                check_text(s)?;
            }
            if could_be_decimal(&self.0) && reads_decimal(&visitor) {
                check_decimal(&self.0)?;
            }
            self.0.$method(visitor).map_err(from_json)
        })*
    };
}

impl<'de> Deserializer<'de> for Strict {
    type Error = StrictError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, StrictError> {
        if could_be_decimal(&self.0) && reads_decimal(&visitor) {
            check_decimal(&self.0)?;
        }
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.into_iter(),
                index: 0,
            }),
            Value::Object(map) => visitor.visit_map(Fields::new(map)),
            Value::String(s) => {
                check_text(&s)?;
                visitor.visit_string(s)
            }
            other => other.deserialize_any(visitor).map_err(from_json),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, StrictError> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Fields::new(map)),
            _ => Err(StrictError {
                path: Vec::new(),
                kind: StrictErrorKind::ObjectExpected,
            }),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, StrictError> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Fields::new(map)),
            _ => Err(StrictError {
                path: Vec::new(),
                kind: StrictErrorKind::ObjectExpected,
            }),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, StrictError> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.into_iter(),
                index: 0,
            }),
            other => other.deserialize_seq(visitor).map_err(from_json),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, StrictError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Strict(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, StrictError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, StrictError> {
        if let Value::String(s) = &self.0 {
            check_text(s)?;
        }
        self.0.deserialize_enum(name, variants, visitor).map_err(from_json)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, StrictError> {
        // Only a field the type does not know is skipped: refuse it (the caller adds its name).
        let _ = visitor;
        Err(StrictError {
            path: Vec::new(),
            kind: StrictErrorKind::UnknownField,
        })
    }

    as_json!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, StrictError> {
        self.0.deserialize_unit_struct(name, visitor).map_err(from_json)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, StrictError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, StrictError> {
        self.deserialize_seq(visitor)
    }
}

/// An object's entries, each value read strictly and its errors named by its key.
struct Fields {
    entries: serde_json::map::IntoIter,
    current: Option<(String, Value)>,
}

impl Fields {
    fn new(map: Map<String, Value>) -> Self {
        Fields {
            entries: map.into_iter(),
            current: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = StrictError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, StrictError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        check_text(&key).map_err(|e| e.at(key.clone()))?;
        let read = seed.deserialize(de::value::StringDeserializer::<StrictError>::new(key.clone()));
        self.current = Some((key.clone(), value));
        read.map(Some).map_err(|e| e.at(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, StrictError> {
        let (key, value) = self
            .current
            .take()
            .ok_or_else(|| <StrictError as de::Error>::custom("a value without its key"))?;
        seed.deserialize(Strict(value)).map_err(|e| e.at(key))
    }
}

/// An array's items, each read strictly and its errors named by its index.
struct Items {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = StrictError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, StrictError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(Strict(item))
            .map(Some)
            .map_err(|e| e.at(index.to_string()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        ru: String,
        en: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        title: Inner,
        #[serde(default)]
        flows: Vec<i64>,
        term: Option<u32>,
    }

    fn read(value: Value) -> Result<Outer, (String, StrictErrorKind)> {
        from_value::<Outer>(value).map_err(|e| (e.field(), e.kind))
    }

    #[test]
    fn objects_read_as_before() {
        let ok = read(json!({"title": {"ru": "Парк", "en": null}, "flows": [1, -2], "term": 12})).unwrap();
        assert_eq!(ok.title.ru, "Парк");
        assert_eq!((ok.flows, ok.term), (vec![1, -2], Some(12)));
        assert_eq!(
            read(json!({"title": {"ru": "строка\nвторая\tтаб"}})).unwrap().term,
            None
        );
    }

    #[test]
    fn unknown_fields_are_named_wherever_they_are() {
        assert_eq!(
            read(json!({"title": {"ru": "x"}, "stage": "approved"})),
            Err(("stage".into(), StrictErrorKind::UnknownField))
        );
        assert_eq!(
            read(json!({"title": {"ru": "x", "zz": {}}})),
            Err(("title.zz".into(), StrictErrorKind::UnknownField))
        );
    }

    #[test]
    fn structs_never_read_from_arrays() {
        assert_eq!(read(json!([])), Err((String::new(), StrictErrorKind::ObjectExpected)));
        assert_eq!(
            read(json!({"title": ["ru", "en"]})),
            Err(("title".into(), StrictErrorKind::ObjectExpected))
        );
    }

    #[test]
    fn control_characters_are_refused_with_their_field() {
        assert_eq!(
            read(json!({"title": {"ru": "a\u{0}b"}})),
            Err(("title.ru".into(), StrictErrorKind::ControlCharacter))
        );
        assert_eq!(
            read(json!({"title": {"ru": "a"}, "flows": [1, "x"]})).map_err(|e| e.0),
            Err("flows.1".into())
        );
    }

    #[test]
    fn decimals_are_plain_and_exact_or_refused() {
        #[derive(Debug, Deserialize)]
        struct Amount {
            #[allow(dead_code)]
            amount: rust_decimal::Decimal,
        }
        let read = |v: Value| from_value::<Amount>(v).map(|_| ()).map_err(|e| (e.field(), e.kind));
        // A float whose shortest form is plain reads as that form (that the body said the same is
        // checked on its text: numbers_as_written).
        for ok in [
            json!("1000.50"),
            json!("-0.5"),
            json!(1000),
            json!(12.25),
            json!("0"),
            json!(1000.0000000000001),
        ] {
            assert_eq!(read(json!({"amount": ok})), Ok(()), "{ok}");
        }
        for bad in [
            json!("1_000"),
            json!(".5"),
            json!("1E-2"),
            json!("1000.0000000000000000000000000000001"),
            json!(" 5"),
        ] {
            assert_eq!(
                read(json!({"amount": bad})),
                Err(("amount".into(), StrictErrorKind::NotPlainDecimal)),
                "{bad}"
            );
        }
    }

    #[test]
    fn numbers_are_checked_as_written() {
        let read = |text: &str| {
            let raw: Box<serde_json::value::RawValue> = serde_json::from_str(text).unwrap();
            read_body::<Value>(&raw).map(|_| ()).map_err(|e| (e.field(), e.kind))
        };
        for ok in [
            r#"{"a": 12.50, "b": [0.30000000000000004, -1, 18446744073709551615]}"#,
            r#"{"a": 1000, "b": -9223372036854775808, "c": "1000.00000000000000001"}"#,
            r#"{"a": 1e3}"#,
        ] {
            assert_eq!(read(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            read(r#"{"a": {"b": [1, 1000.00000000000000001]}}"#),
            Err(("a.b.1".into(), StrictErrorKind::NotPlainDecimal))
        );
        assert_eq!(
            read(r#"{"n": 123456789012345678901234}"#),
            Err(("n".into(), StrictErrorKind::NotPlainDecimal))
        );
        // Nesting is bounded (each level's text is read again below it).
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let refused = read(&deep).unwrap_err();
        assert_eq!(
            refused.0.split('.').count(),
            17,
            "named at the level refused: {}",
            refused.0
        );
        assert!(matches!(refused.1, StrictErrorKind::Invalid(_)));
    }

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(
            read(json!({"title": {}})),
            Err(("title".into(), StrictErrorKind::Missing("ru".into())))
        );
    }
}

#[cfg(test)]
mod tagged_variants {
    use serde_json::json;

    use super::*;
    use crate::domain::finance::model::DebtRepayment;
    use crate::domain::project::ProponentAdvantage;

    /// A variant without fields takes no key beside its tag (`{"kind": "annuity", "x": 42}` was
    /// read as an annuity).
    #[test]
    fn variants_without_fields_refuse_unknown_keys() {
        assert_eq!(
            from_value::<DebtRepayment>(json!({"kind": "equal_principal"})).unwrap(),
            DebtRepayment::EqualPrincipal {}
        );
        assert!(from_value::<DebtRepayment>(json!({"kind": "annuity", "x": 42})).is_err());
        assert!(from_value::<DebtRepayment>(json!({"kind": "equal_principal", "x": 42})).is_err());
        assert!(from_value::<ProponentAdvantage>(json!({"kind": "none", "percent": "5"})).is_err());
        assert_eq!(
            serde_json::to_value(DebtRepayment::Annuity {}).unwrap(),
            json!({"kind": "annuity"})
        );
    }

    /// Money inside a tagged variant (a proponent's reimbursable costs) is as strict as anywhere.
    #[test]
    fn money_in_tagged_variants_is_as_strict() {
        let advantage = |costs: Value| {
            from_value::<ProponentAdvantage>(json!({"kind": "cost_reimbursement", "costs": costs})).map_err(|e| e.kind)
        };
        assert!(advantage(json!({"amount": "1200000.00", "currency": "KGS"})).is_ok());
        assert!(advantage(json!({"amount": "1200000.00", "currency": "KGS", "x": 42})).is_err());
        assert_eq!(
            advantage(json!({"amount": "1E6", "currency": "KGS"})),
            Err(StrictErrorKind::NotPlainDecimal)
        );
    }

    /// A type flattened into another is read by serde's buffer, not walked here: its decimals
    /// check their own writing, and its unknown keys are named by their path.
    #[test]
    fn flattened_types_are_as_strict() {
        use crate::domain::finance::appraisal::PublicSectorCase;
        let case = |discount_rate: Value, extra: Option<(&str, Value)>| {
            let mut body = json!({"discount_rate": discount_rate, "raw_cost": ["100", 50],
                                  "budget": "1000000", "budget_growth": "0.05"});
            if let Some((key, value)) = extra {
                body[key] = value;
            }
            from_value::<PublicSectorCase>(body)
                .map(|c| c.comparator.discount_rate.to_string())
                .map_err(|e| (e.field(), e.kind))
        };
        assert_eq!(case(json!("0.08"), None), Ok("0.08".into()));
        assert_eq!(case(json!(0.08), None), Ok("0.08".into()));
        for bad in [json!("1E-2"), json!("1_000"), json!(".5"), json!(" 5")] {
            assert_eq!(
                case(bad.clone(), None),
                Err((String::new(), StrictErrorKind::NotPlainDecimal)),
                "{bad}"
            );
        }
        assert_eq!(
            case(json!("0.08"), Some(("discount_rates", json!("0.1")))),
            Err(("discount_rates".into(), StrictErrorKind::UnknownField))
        );
    }
}
