//! A lint for plain scalars that YAML 1.1 and YAML 1.2 read differently.
//!
//! charm-pack reads charmcraft.yaml as YAML 1.2 (serde_yaml_ng); charmcraft reads it with
//! PyYAML and Juju reads the generated files with Go's yaml.v2, both YAML 1.1. An unquoted
//! `default: on` is the string "on" to the first and the boolean true to the others, so the
//! same file would mean different charms. Such values are reported with the advice to quote
//! them. This is a line-based scan of block-style `key: value` and `- value` lines (flow
//! collections `[...]`/`{...}` and block scalars are skipped), which covers how
//! charmcraft.yaml files are written.

use crate::error::Problems;

/// Reports ambiguous plain scalars in `text`, by line number.
pub(super) fn check(text: &str, p: &mut Problems) {
    let mut block_parent: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(parent) = block_parent {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_parent = None;
        }
        let Some(value) = plain_value(line) else { continue };
        if value.starts_with(['|', '>']) {
            block_parent = Some(indent);
            continue;
        }
        if let Some(why) = ambiguity(value) {
            p.push(
                format!("charmcraft.yaml line {}", n + 1),
                format!("unquoted {value:?} is {why}; quote it (\"{value}\") or write what you mean"),
            );
        }
    }
}

/// The plain scalar after `key: ` or `- ` on a line, comment stripped.
fn plain_value(line: &str) -> Option<&str> {
    let body = line.trim_start();
    if body.starts_with('#') {
        return None;
    }
    let after = match body.strip_prefix("- ") {
        Some(rest) if !rest.contains(": ") && !rest.ends_with(':') => rest,
        Some(rest) => rest.split_once(": ")?.1,
        None => body.split_once(": ")?.1,
    };
    let value = after.split(" #").next()?.trim();
    let quoted_or_node = value.is_empty() || value.starts_with(['"', '\'', '[', '{', '&', '*', '!']);
    (!quoted_or_node).then_some(value)
}

/// Why YAML 1.1 and 1.2 disagree on `v`, if they do.
fn ambiguity(v: &str) -> Option<&'static str> {
    const BOOL_WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ];
    if BOOL_WORDS.contains(&v) {
        return Some("a boolean in YAML 1.1 (charmcraft, Juju) but a string in YAML 1.2");
    }
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    let digits = |s: &str, extra: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || extra.contains(c));
    if unsigned.starts_with(|c: char| c.is_ascii_digit()) && unsigned.contains('_') && digits(unsigned, "_.") {
        return Some("a number in YAML 1.1 but a string in YAML 1.2");
    }
    if unsigned.len() > 1 && unsigned.starts_with('0') && digits(unsigned, "") {
        return Some("octal in YAML 1.1 but decimal in YAML 1.2");
    }
    if let Some(b) = unsigned.strip_prefix("0b") {
        if digits(b, "_") && b.chars().all(|c| "01_".contains(c)) {
            return Some("a binary number in YAML 1.1 but a string in YAML 1.2");
        }
    }
    if unsigned.strip_prefix("0o").is_some_and(|o| digits(o, "")) {
        return Some("an octal number in YAML 1.2 but a string in YAML 1.1");
    }
    if let Some((mantissa, exp)) = unsigned.split_once(['e', 'E']) {
        let yaml12_float = digits(mantissa, ".") && digits(exp.strip_prefix(['-', '+']).unwrap_or(exp), "");
        let yaml11_float = mantissa.contains('.') && exp.starts_with(['-', '+']);
        if yaml12_float && !yaml11_float {
            return Some("a float in YAML 1.2 but a string in YAML 1.1 (write e.g. 1.0e+20)");
        }
    }
    if unsigned.contains(':') && digits(unsigned, ":._") && !unsigned.ends_with(':') {
        return Some("a base-60 number in YAML 1.1 but a string in YAML 1.2");
    }
    let date = v.as_bytes();
    if date.len() >= 8 && date[..4].iter().all(u8::is_ascii_digit) && date[4] == b'-' && v[5..].contains('-') {
        let (ymd, _) = v.split_at(v.find(['T', 't', ' ']).unwrap_or(v.len()));
        if digits(&ymd.replace('-', ""), "") && ymd.matches('-').count() == 2 {
            return Some("a timestamp in YAML 1.1 but a string in YAML 1.2");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Problems {
        let mut p = Problems::default();
        check(text, &mut p);
        p
    }

    #[test]
    fn flags_yaml11_only_values() {
        let p = found(
            "a: on\nb: 'on'\nc: 010\nd: 1_000\ne: 1e20\nf: 1.0e+20\ng: 12:30\nh: 2001-12-14\n\
             i: ubuntu/python:3.12\nj: 22.04\nk: [on]\n- No\n- x: yes # c\nl: 0o17\n",
        );
        let lines: Vec<&str> = p.0.iter().map(|x| x.at.as_str()).collect();
        let want: Vec<String> = [1, 3, 4, 5, 7, 8, 12, 13, 14]
            .iter()
            .map(|n| format!("charmcraft.yaml line {n}"))
            .collect();
        assert_eq!(lines, want, "{p}");
        assert!(p.mentions("unquoted \"on\" is a boolean in YAML 1.1"), "{p}");
    }

    #[test]
    fn skips_block_scalars_and_comments() {
        let p = found("description: |\n  yes: this is prose\n  on: and more\nname: x\n# a: on\n");
        assert!(p.0.is_empty(), "{p}");
    }
}
