//! A gnuflag-style command line parser for the hook tools.
//!
//! Juju's hook tools are `juju/cmd` commands parsed by gnuflag with interspersed flags
//! allowed: `--flag=value`, `--flag value`, `-r 3`, `-r=3`, bool flags bare or with a
//! Go `ParseBool` value (`--app`, `--application=True`), and `--` ending the flags. Python
//! ops puts flags after positional arguments (`relation-get -r 3 - app/0 --app`), so the
//! parser must accept them anywhere. Usage errors carry gnuflag's texts and exit code 2.

use std::collections::BTreeMap;

use super::ToolError;

/// Whether a flag takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `--app`, `--app=true`.
    Bool,
    /// `--format json`, `--format=json`.
    Value,
}

/// One flag: its names (the first is the canonical one) and kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flag {
    pub(crate) names: &'static [&'static str],
    pub(crate) kind: Kind,
}

/// Shorthand for a bool flag.
pub(crate) const fn boolean(names: &'static [&'static str]) -> Flag {
    Flag {
        names,
        kind: Kind::Bool,
    }
}

/// Shorthand for a flag with a value.
pub(crate) const fn value(names: &'static [&'static str]) -> Flag {
    Flag {
        names,
        kind: Kind::Value,
    }
}

/// A parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    values: BTreeMap<&'static str, Vec<String>>,
    bools: BTreeMap<&'static str, bool>,
    /// Arguments that are not flags, in order.
    pub(crate) positional: Vec<String>,
}

impl Parsed {
    /// The last value given for the flag whose canonical name is `name`.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.last()).map(String::as_str)
    }

    /// Whether a bool flag is set.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(false)
    }
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Parses `args` against `flags`, allowing flags anywhere before `--`.
pub(crate) fn parse(args: &[String], flags: &[Flag]) -> Result<Parsed, ToolError> {
    let mut parsed = Parsed::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            parsed.positional.extend(iter.by_ref().cloned());
            break;
        }
        let (dashes, body) = if let Some(body) = arg.strip_prefix("--") {
            ("--", body)
        } else if let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) {
            ("-", body)
        } else {
            parsed.positional.push(arg.clone());
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        let spelled = format!("{dashes}{name}");
        let Some(flag) = flags.iter().find(|f| f.names.contains(&name)) else {
            return Err(ToolError::usage(format!("flag provided but not defined: {spelled}")));
        };
        let canonical = flag.names[0];
        match flag.kind {
            Kind::Bool => {
                let on = match inline {
                    None => true,
                    Some(text) => parse_bool(text).ok_or_else(|| {
                        ToolError::usage(format!("invalid value {text:?} for flag {spelled}: parse error"))
                    })?,
                };
                parsed.bools.insert(canonical, on);
            }
            Kind::Value => {
                let value = match inline {
                    Some(v) => v.to_owned(),
                    None => iter
                        .next()
                        .cloned()
                        .ok_or_else(|| ToolError::usage(format!("flag needs an argument: {spelled}")))?,
                };
                parsed.values.entry(canonical).or_default().push(value);
            }
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[
        value(&["format"]),
        value(&["r", "relation"]),
        boolean(&["app"]),
        boolean(&["application"]),
    ];

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_anywhere_and_both_spellings() {
        let p = parse(&args(&["-r", "db:3", "-", "app/0", "--app", "--format=json"]), FLAGS).unwrap();
        assert_eq!(p.value("r"), Some("db:3"));
        assert_eq!(p.value("format"), Some("json"));
        assert!(p.flag("app"));
        assert_eq!(p.positional, ["-", "app/0"]);
        let p = parse(&args(&["--relation=4", "--application=True", "--", "--x"]), FLAGS).unwrap();
        assert_eq!(p.value("r"), Some("4"));
        assert!(p.flag("application"));
        assert_eq!(p.positional, ["--x"]);
        let p = parse(&args(&["--application=False"]), FLAGS).unwrap();
        assert!(!p.flag("application"));
    }

    #[test]
    fn usage_errors_are_exit_2_with_gnuflag_texts() {
        let err = parse(&args(&["--nope"]), FLAGS).unwrap_err();
        assert_eq!(
            (err.text.as_str(), err.code),
            ("flag provided but not defined: --nope", 2)
        );
        let err = parse(&args(&["-r"]), FLAGS).unwrap_err();
        assert_eq!(err.text, "flag needs an argument: -r");
        let err = parse(&args(&["--app=maybe"]), FLAGS).unwrap_err();
        assert_eq!(err.text, "invalid value \"maybe\" for flag --app: parse error");
    }
}
