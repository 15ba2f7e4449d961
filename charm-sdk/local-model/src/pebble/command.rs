//! Turning a layer's `command:` string into an argv, as Pebble's `Service.ParseCommand`.
//!
//! `juju_model::pebble` validates commands with the same rules but keeps its parser private;
//! the server needs the words, so this is the small splitter again (POSIX-style quotes and
//! backslashes, default arguments in a trailing `[ ... ]` group, which a started service
//! gets appended). Layers are validated before they get here, so errors are rare.

/// Splits a command line like Pebble's shlex.
pub(crate) fn split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(word) = current.take() {
                    words.push(word);
                }
            }
            '\\' => {
                let escaped = chars.next().ok_or("EOF found after escape character")?;
                current.get_or_insert_with(String::new).push(escaped);
            }
            '\'' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("EOF found when expecting closing quote".into()),
                    }
                }
            }
            '"' => {
                let word = current.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => word.push(chars.next().ok_or("EOF found when expecting closing quote")?),
                        Some(ch) => word.push(ch),
                        None => return Err("EOF found when expecting closing quote".into()),
                    }
                }
            }
            other => current.get_or_insert_with(String::new).push(other),
        }
    }
    if let Some(word) = current {
        words.push(word);
    }
    Ok(words)
}

/// The argv a service runs: the base command followed by its `[ ... ]` default arguments.
pub(crate) fn service_argv(command: &str) -> Result<Vec<String>, String> {
    let mut argv = Vec::new();
    let mut in_brackets = false;
    for word in split(command)? {
        match word.as_str() {
            "[" if !in_brackets => in_brackets = true,
            "]" if in_brackets => in_brackets = false,
            _ => argv.push(word),
        }
    }
    if argv.is_empty() {
        return Err("empty command".into());
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_pebble() {
        assert_eq!(
            service_argv(r#"/bin/sh -c "echo 'a b'" [ --x \"y ]"#).unwrap(),
            ["/bin/sh", "-c", "echo 'a b'", "--x", "\"y"]
        );
        assert!(split("'open").is_err());
        assert!(service_argv("").is_err());
    }
}
