//! A small block-style YAML writer whose output reads back the same under YAML 1.1 and 1.2.
//!
//! Why not `serde_yaml_ng::to_string`: it writes YAML 1.2 plain scalars, so the strings
//! `on`, `yes`, `No`, `2001-12-14`, `1_000` or `12:30:00` come out unquoted, and YAML 1.1
//! readers — Juju's Go `yaml.v2` (metadata.yaml, config.yaml, actions.yaml) and PyYAML (ops,
//! charmcraft) — read them back as booleans, dates or numbers: a string option defaulting
//! to `"on"` would become a boolean and Juju would refuse the charm's config. Here a string
//! is written plain only when it is obviously a string in both versions, as a literal block
//! (`|`) when it is multi-line text, and double-quoted (JSON escaping, valid YAML) otherwise.

use std::fmt::Write as _;

use serde_yaml_ng::{Mapping, Number, Value};

/// Renders `value` as a YAML document.
pub fn to_string(value: &Value) -> Result<String, String> {
    let mut out = String::new();
    match value {
        Value::Mapping(m) if !m.is_empty() => map(m, 0, false, &mut out)?,
        Value::Sequence(s) if !s.is_empty() => seq(s, 0, false, &mut out)?,
        other => {
            out.push_str(&inline(other)?);
            out.push('\n');
        }
    }
    Ok(out)
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A mapping whose entries start at column `indent`; `first_inline` when the first entry
/// continues a `- ` already written.
fn map(m: &Mapping, indent: usize, first_inline: bool, out: &mut String) -> Result<(), String> {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(indent, out);
        }
        if k.is_mapping() || k.is_sequence() {
            return Err("complex mapping keys are not supported".into());
        }
        out.push_str(&inline(k)?);
        out.push(':');
        match v {
            Value::Mapping(inner) if !inner.is_empty() => {
                out.push('\n');
                map(inner, indent + 2, false, out)?;
            }
            // Sequences in a mapping are not indented, as PyYAML writes them.
            Value::Sequence(inner) if !inner.is_empty() => {
                out.push('\n');
                seq(inner, indent, false, out)?;
            }
            other => scalar_after(other, indent + 2, out)?,
        }
    }
    Ok(())
}

fn seq(s: &[Value], indent: usize, first_inline: bool, out: &mut String) -> Result<(), String> {
    for (i, item) in s.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(indent, out);
        }
        out.push('-');
        match item {
            Value::Mapping(inner) if !inner.is_empty() => {
                out.push(' ');
                map(inner, indent + 2, true, out)?;
            }
            Value::Sequence(inner) if !inner.is_empty() => {
                out.push(' ');
                seq(inner, indent + 2, true, out)?;
            }
            other => scalar_after(other, indent + 2, out)?,
        }
    }
    Ok(())
}

/// A scalar after `key:` or `-`; block text is indented to `content_indent`.
fn scalar_after(v: &Value, content_indent: usize, out: &mut String) -> Result<(), String> {
    if let Value::String(s) = v {
        if let Some(header) = literal_header(s) {
            let _ = writeln!(out, " {header}");
            for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                if !line.is_empty() {
                    pad(content_indent, out);
                    out.push_str(line);
                }
                out.push('\n');
            }
            return Ok(());
        }
    }
    out.push(' ');
    out.push_str(&inline(v)?);
    out.push('\n');
    Ok(())
}

/// `|` or `|-` when `s` can be a literal block: several lines, printable, not starting with
/// a space or newline, and at most one trailing newline.
fn literal_header(s: &str) -> Option<&'static str> {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let ok = body.contains('\n')
        && !body.starts_with([' ', '\n'])
        && !body.ends_with('\n')
        && body.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !body.contains('\u{feff}');
    ok.then_some(if s.ends_with('\n') { "|" } else { "|-" })
}

/// A scalar or empty collection on one line.
fn inline(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) if is_plain_safe(s) => s.clone(),
        Value::String(s) => serde_json::to_string(s).map_err(|e| e.to_string())?,
        Value::Mapping(m) if m.is_empty() => "{}".into(),
        Value::Sequence(s) if s.is_empty() => "[]".into(),
        Value::Mapping(_) | Value::Sequence(_) => return Err("nested collection in a scalar position".into()),
        Value::Tagged(t) => return Err(format!("tagged value {} is not supported", t.tag)),
    })
}

/// Words YAML 1.1 reads as booleans or null.
const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// Plain only for text that starts with a letter and uses characters that cannot form a
/// number, date, indicator or comment, and is not a YAML 1.1 boolean/null word.
fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || " _-./@+(),'".contains(c))
        && !s.ends_with(' ')
        && !YAML11_WORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// Integers as they are; floats always with a `.` (YAML 1.1 needs it: `1e20` is a string
/// there) and `.inf`/`.nan` spelled the YAML way.
fn number(n: &Number) -> String {
    let Some(f) = n.as_f64().filter(|_| n.is_f64()) else {
        return n.to_string();
    };
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    let text = format!("{f:?}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let mantissa = if mantissa.contains('.') {
                mantissa.to_owned()
            } else {
                format!("{mantissa}.0")
            };
            let sign = if exp.starts_with('-') { "" } else { "+" };
            format!("{mantissa}e{sign}{exp}")
        }
        None => text,
    }
}

#[cfg(test)]
mod tests;
