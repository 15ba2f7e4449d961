//! A Java `.properties` file as an ordered list of lines.
//!
//! Kafka reads `server.properties` and `client.properties` with `java.util.Properties.load`
//! on an `InputStream`, i.e. as ISO-8859-1 with backslash escapes. Values are therefore
//! escaped here (`\` doubled, anything outside printable ASCII as `\uXXXX`) so that what
//! Kafka parses is exactly the value we meant; the Python charm wrote values raw, which breaks
//! on a backslash in, say, `ssl.principal.mapping.rules`. Lines keep the order they were
//! added in, and the file ends with a newline.

/// One line of a properties file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `key=value`.
    Pair(String, String),
    /// `# text`.
    Comment(String),
}

/// An ordered properties file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties {
    lines: Vec<Line>,
}

impl Properties {
    /// An empty file.
    pub fn new() -> Properties {
        Properties::default()
    }

    /// Appends `key=value`.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Properties {
        self.lines.push(Line::Pair(key.into(), value.into()));
        self
    }

    /// Appends a `# text` comment line.
    pub fn comment(&mut self, text: impl Into<String>) -> &mut Properties {
        self.lines.push(Line::Comment(text.into()));
        self
    }

    /// Appends every line of `other`.
    pub fn extend(&mut self, other: Properties) -> &mut Properties {
        self.lines.extend(other.lines);
        self
    }

    /// The lines, in order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The value of the last `key=` line.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.iter().rev().find_map(|line| match line {
            Line::Pair(k, v) if k == key => Some(v.as_str()),
            _ => None,
        })
    }

    /// The keys, in order (duplicates kept).
    pub fn keys(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|line| match line {
                Line::Pair(k, _) => Some(k.as_str()),
                Line::Comment(_) => None,
            })
            .collect()
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Pair(key, value) => {
                    out.push_str(key);
                    out.push('=');
                    out.push_str(&escape_value(value));
                }
                Line::Comment(text) => {
                    out.push_str("# ");
                    out.push_str(&escape_value(text));
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Escapes a value for `Properties.load`: backslashes doubled, a leading space kept, line
/// breaks and non-ASCII written as escapes.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' ' if i == 0 => out.push_str("\\ "),
            c if (' '..='~').contains(&c) => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// Parses a rendered file back into `(key, value)` pairs (comments dropped), undoing
/// [`escape_value`]. For tests and change detection; not a full `Properties.load`.
pub fn parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.trim_end().to_owned(), unescape(value)))
        })
        .collect()
}

fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let Ok(unit) = u16::from_str_radix(&hex, 16) else {
                    continue;
                };
                match pending_high.take() {
                    Some(high) => out.extend(char::decode_utf16([high, unit]).filter_map(Result::ok)),
                    None if (0xD800..0xDC00).contains(&unit) => pending_high = Some(unit),
                    None => out.extend(char::decode_utf16([unit]).filter_map(Result::ok)),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        for value in ["plain", "RULE:^CN=(.*?)\\.x$/$1/L", " lead", "ünï€😀", "a=b:c"] {
            let mut p = Properties::new();
            p.set("k", value);
            let text = p.render();
            assert!(text.is_ascii(), "{text}");
            assert_eq!(parse(&text), vec![("k".to_owned(), value.to_owned())]);
        }
    }

    #[test]
    fn renders_in_order_with_comments_and_trailing_newline() {
        let mut p = Properties::new();
        p.set("b", "1").comment("roles=broker").set("a", "2");
        assert_eq!(p.render(), "b=1\n# roles=broker\na=2\n");
        assert_eq!(p.keys(), vec!["b", "a"]);
        assert_eq!(p.get("a"), Some("2"));
    }
}
