//! Output of the hook tools in Juju's three formats.
//!
//! `juju/cmd` formats a tool's result as `json` (Go's `json.Marshal`, map keys sorted),
//! `yaml`, or `smart`, the default: strings as they are, bools as `True`/`False` (to match
//! pyjuju), numbers as text, lists of strings one per line, anything else as YAML. A
//! trailing newline is added when missing; a nil result prints nothing except in JSON,
//! where it is `null`.

use serde_json::Value;

use super::ToolError;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Format {
    /// The default.
    #[default]
    Smart,
    /// `--format=json`.
    Json,
    /// `--format=yaml`.
    Yaml,
}

impl Format {
    /// Parses the `--format` value.
    pub(crate) fn parse(text: Option<&str>) -> Result<Format, ToolError> {
        match text {
            None | Some("smart") => Ok(Format::Smart),
            Some("json") => Ok(Format::Json),
            Some("yaml") => Ok(Format::Yaml),
            Some(other) => Err(ToolError::usage(format!(
                "invalid value {other:?} for flag --format: unknown format {other:?}"
            ))),
        }
    }

    /// Renders `value` (`None`: nil).
    pub(crate) fn render(self, value: Option<&Value>) -> String {
        let text = match (self, value) {
            (Format::Json, None) => "null".to_owned(),
            (Format::Json, Some(v)) => v.to_string(),
            (_, None) | (_, Some(Value::Null)) => String::new(),
            (Format::Yaml, Some(v)) => yaml(v),
            (Format::Smart, Some(v)) => smart(v),
        };
        if text.is_empty() || text.ends_with('\n') {
            text
        } else {
            text + "\n"
        }
    }
}

fn yaml(value: &Value) -> String {
    serde_yaml_ng::to_string(value).unwrap_or_else(|_| value.to_string())
}

fn smart(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")
        }
        other => yaml(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_like_juju_cmd() {
        assert_eq!(Format::Smart.render(Some(&json!(true))), "True\n");
        assert_eq!(Format::Json.render(Some(&json!(true))), "true\n");
        assert_eq!(Format::Smart.render(Some(&json!(["db:1", "db:2"]))), "db:1\ndb:2\n");
        assert_eq!(Format::Json.render(None), "null\n");
        assert_eq!(Format::Smart.render(None), "");
        assert_eq!(Format::Smart.render(Some(&json!({"a": "1"}))), "a: '1'\n");
        assert_eq!(
            Format::Json.render(Some(&json!({"b": "2", "a": "1"}))),
            "{\"a\":\"1\",\"b\":\"2\"}\n"
        );
        assert!(Format::parse(Some("xml")).is_err());
    }
}
