//! Python's `json.dumps`, byte for byte.
//!
//! The Python charm libraries write structured databag values with `json.dumps(v)`: default
//! separators `", "` and `": "`, `ensure_ascii=True`, floats in `repr` form. Readers parse
//! with `json.loads` and so tolerate any spelling, but every byte that differs from what the
//! Python side would write is a spurious `relation-changed` on the remote units, and a
//! mismatch in tests that compare our bags with real ones. This module writes the same bytes.
//!
//! Key order is the serialisation order of the value: struct fields in declaration order
//! (as pydantic models and dict literals in Python), `BTreeMap`/`serde_json::Map` sorted
//! (this workspace does not enable serde_json's `preserve_order`). Use a struct, or
//! [`Ordered`], when the Python side builds a dict in a particular order.
//!
//! ```
//! use charm_interfaces::pyjson;
//! #[derive(serde::Serialize)]
//! struct Url { url: &'static str, port: u16 }
//! assert_eq!(pyjson::dumps(&Url { url: "http://é", port: 80 }).unwrap(),
//!            r#"{"url": "http://\u00e9", "port": 80}"#);
//! ```

use std::io;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::ser::{CharEscape, Formatter};

/// `json.dumps(value)` with Python's defaults.
///
/// Fails only when `value` cannot be represented as JSON (a map with non-string keys); the
/// message says why. NaN and infinities become `null` (serde_json's rule; Python would
/// write the non-standard `NaN`/`Infinity`, which no databag in these interfaces holds).
pub fn dumps<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value.serialize(&mut ser)?;
    // The formatter only ever writes ASCII.
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(format!("non-UTF-8 output: {e}")))
}

/// `json.dumps(s)` for a string: the form every pydantic `DatabagModel` field takes
/// (`"myapp"` → `"\"myapp\""`). Cannot fail.
pub fn dumps_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out.push('"');
    out
}

/// A map that serialises its entries in the order given, like a Python dict built by
/// insertion. For dicts whose keys are only known at run time (label sets, templates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A JSON value as Python's `json.loads` returns it: objects keep their keys in document
/// order (a `dict`), so a value read from a bag and written back with [`dumps`] has the
/// bytes the Python side would write. `serde_json::Value` sorts keys in this workspace,
/// which is fine for reading fields and wrong for rewriting a list a library keeps in
/// model order (data_interfaces v1 `requests`, the `data` bookkeeping).
///
/// ```
/// use charm_interfaces::pyjson::{self, PyValue};
/// let mut v = PyValue::loads(r#"{"z": 1, "a": [true, null], "m": "x"}"#).unwrap();
/// v.set("a", PyValue::from("y"));
/// v.set("b", PyValue::Null);
/// assert_eq!(pyjson::dumps(&v).unwrap(), r#"{"z": 1, "a": "y", "m": "x", "b": null}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyValue {
    /// `None`.
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` or a `float`.
    Number(serde_json::Number),
    /// A `str`.
    String(String),
    /// A `list`.
    List(Vec<PyValue>),
    /// A `dict`, in insertion order.
    Dict(Vec<(String, PyValue)>),
}

impl PyValue {
    /// `json.loads(text)`. A repeated key keeps its first position and its last value, as
    /// in Python.
    pub fn loads(text: &str) -> Result<PyValue, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// An empty `dict`.
    pub fn dict() -> PyValue {
        PyValue::Dict(Vec::new())
    }

    /// `d.get(key)` on a `dict` (`None` for other values and missing keys).
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `d[key] = value` on a `dict`: replaces in place or appends (no-op on other values).
    pub fn set(&mut self, key: &str, value: PyValue) {
        if let PyValue::Dict(items) = self {
            match items.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) => *old = value,
                None => items.push((key.to_owned(), value)),
            }
        }
    }

    /// `d.pop(key, None)` on a `dict`.
    pub fn remove(&mut self, key: &str) -> Option<PyValue> {
        match self {
            PyValue::Dict(items) => {
                let i = items.iter().position(|(k, _)| k == key)?;
                Some(items.remove(i).1)
            }
            _ => None,
        }
    }

    /// The string, if this is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is (`a list`), for messages that must not quote it.
    pub fn kind(&self) -> &'static str {
        match self {
            PyValue::Null => "null",
            PyValue::Bool(_) => "a boolean",
            PyValue::Number(_) => "a number",
            PyValue::String(_) => "a string",
            PyValue::List(_) => "a list",
            PyValue::Dict(_) => "an object",
        }
    }

    /// Whether this is `None`.
    pub fn is_null(&self) -> bool {
        matches!(self, PyValue::Null)
    }

    /// A `str` as itself, anything else as compact JSON text (`true`, `[1,2]`); `None`
    /// for `null`. How a value of a JSON list becomes a databag-style field.
    pub fn to_field(&self) -> Option<String> {
        match self {
            PyValue::Null => None,
            PyValue::String(s) => Some(s.clone()),
            other => serde_json::to_string(other).ok(),
        }
    }
}

impl From<&str> for PyValue {
    fn from(value: &str) -> Self {
        PyValue::String(value.to_owned())
    }
}

impl From<String> for PyValue {
    fn from(value: String) -> Self {
        PyValue::String(value)
    }
}

impl From<bool> for PyValue {
    fn from(value: bool) -> Self {
        PyValue::Bool(value)
    }
}

impl Serialize for PyValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PyValue::Null => serializer.serialize_unit(),
            PyValue::Bool(b) => serializer.serialize_bool(*b),
            PyValue::Number(n) => n.serialize(serializer),
            PyValue::String(s) => serializer.serialize_str(s),
            PyValue::List(items) => items.serialize(serializer),
            PyValue::Dict(items) => {
                let mut map = serializer.serialize_map(Some(items.len()))?;
                for (k, v) in items {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for PyValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PyValueVisitor)
    }
}

struct PyValueVisitor;

impl<'de> serde::de::Visitor<'de> for PyValueVisitor {
    type Value = PyValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<PyValue, E> {
        Ok(PyValue::Null)
    }
    fn visit_none<E>(self) -> Result<PyValue, E> {
        Ok(PyValue::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<PyValue, E> {
        Ok(PyValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<PyValue, E> {
        Ok(PyValue::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<PyValue, E> {
        Ok(PyValue::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<PyValue, E> {
        Ok(serde_json::Number::from_f64(v).map_or(PyValue::Null, PyValue::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<PyValue, E> {
        Ok(PyValue::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<PyValue, E> {
        Ok(PyValue::String(v))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<PyValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(PyValue::List(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<PyValue, A::Error> {
        let mut dict = PyValue::dict();
        while let Some((key, value)) = map.next_entry::<String, PyValue>()? {
            dict.set(&key, value);
        }
        Ok(dict)
    }
}

/// The serde_json formatter that writes what CPython's `json` encoder writes with its
/// defaults. Public so callers can stream with `serde_json::Serializer::with_formatter`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        // serde_json has already escaped `"`, `\` and C0 controls; what reaches here is
        // printable ASCII plus DEL and non-ASCII, which ensure_ascii turns into \uXXXX.
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut out = String::with_capacity(fragment.len() + 8);
        for c in fragment.chars() {
            push_escaped(&mut out, c);
        }
        writer.write_all(out.as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        let s: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write!(writer, "\\u{byte:04x}"),
        };
        writer.write_all(s)
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(float_repr(f64::from(value)).as_bytes())
    }
}

/// Appends `c` as CPython's `py_encode_basestring_ascii` would.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{08}' => out.push_str("\\b"),
        '\u{0c}' => out.push_str("\\f"),
        ' '..='~' => out.push(c),
        _ => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
}

/// `repr(float)`: the shortest round-trip digits, fixed notation for exponents in
/// `-4..16`, otherwise `d.ddde±XX`; always a `.0` on integral values in fixed notation.
fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{value:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            if digits.len() <= point {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let mantissa = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn separators_and_nesting_match_python() {
        let value = serde_json::json!({"a": [1, 2, {"b": null}], "c": true, "d": {}, "e": []});
        assert_eq!(
            dumps(&value).unwrap(),
            r#"{"a": [1, 2, {"b": null}], "c": true, "d": {}, "e": []}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_ensure_ascii() {
        // python3 -c 'import json; print(json.dumps("a\"b\\c\n\t\x01\x7f é 😀 /"))'
        let expected = r#""a\"b\\c\n\t\u0001\u007f \u00e9 \ud83d\ude00 /""#;
        let s = "a\"b\\c\n\t\u{1}\u{7f} é 😀 /";
        assert_eq!(dumps(s).unwrap(), expected);
        assert_eq!(dumps_str(s), expected);
    }

    #[test]
    fn floats_use_repr() {
        for (f, py) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (-1.25e-7, "-1.25e-07"),
            (1e300, "1e+300"),
            (0.0, "0.0"),
            (100.0, "100.0"),
        ] {
            assert_eq!(float_repr(f), py, "{f}");
        }
    }

    #[test]
    fn ordered_keeps_insertion_order_and_btreemap_sorts() {
        let o = Ordered(vec![("z".to_owned(), 1), ("a".to_owned(), 2)]);
        assert_eq!(dumps(&o).unwrap(), r#"{"z": 1, "a": 2}"#);
        let b: BTreeMap<&str, i32> = [("z", 1), ("a", 2)].into();
        assert_eq!(dumps(&b).unwrap(), r#"{"a": 2, "z": 1}"#);
    }

    #[test]
    fn py_values_keep_document_order_and_round_trip() {
        let text = r#"{"b": [1, 2.5, {"y": null, "x": false}], "a": "\u00e9", "b": 3}"#;
        let v = PyValue::loads(text).unwrap();
        // python3 -c 'import json; print(json.dumps(json.loads(TEXT)))'
        assert_eq!(dumps(&v).unwrap(), r#"{"b": 3, "a": "\u00e9"}"#);
        let v = PyValue::loads(r#"[{"y": null, "x": false}, 1.0, -7]"#).unwrap();
        assert_eq!(dumps(&v).unwrap(), r#"[{"y": null, "x": false}, 1.0, -7]"#);
        assert_eq!(v, PyValue::loads(&dumps(&v).unwrap()).unwrap());
        assert_eq!(PyValue::Bool(true).to_field().as_deref(), Some("true"));
        assert_eq!(PyValue::Null.to_field(), None);
    }
}
