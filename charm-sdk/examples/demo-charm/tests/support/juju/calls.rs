//! The calls log the fake tools write, parsed back into [`Call`]s (format: see the module
//! docs of [`super`]).

use std::fmt;

/// Record, section and field separators of `calls.log`.
pub(crate) const RS: char = '\u{1e}';
/// Section separator.
pub(crate) const GS: char = '\u{1d}';
/// Field separator.
pub(crate) const US: char = '\u{1f}';

/// One recorded hook tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The tool (`argv[0]`'s base name).
    pub(crate) tool: String,
    /// The arguments, as the tool got them.
    pub(crate) args: Vec<String>,
    /// What the charm wrote on stdin.
    pub(crate) stdin: String,
    /// The content of each `key#file=<path>` argument, as `(key, content)`.
    pub(crate) files: Vec<(String, String)>,
}

impl fmt::Display for Call {
    /// `tool arg …`, with arguments holding spaces quoted and secret file paths shown as
    /// `key#file=…` (they are random).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tool)?;
        for arg in &self.args {
            match arg.split_once("#file=") {
                Some((key, _)) => write!(f, " {key}#file=…")?,
                None if arg.is_empty() || arg.contains([' ', '"', '\n', '\t']) => write!(f, " {arg:?}")?,
                None => write!(f, " {arg}")?,
            }
        }
        Ok(())
    }
}

/// Parses `calls.log` (see the module docs).
pub(crate) fn parse_calls(log: &str) -> Vec<Call> {
    log.split(RS)
        .filter(|record| !record.is_empty())
        .map(|record| {
            let mut sections = record.splitn(3, GS);
            let mut argv = sections.next().unwrap_or_default().split(US).map(str::to_owned);
            let tool = argv.next().unwrap_or_default();
            let stdin = sections.next().unwrap_or_default().to_owned();
            let files = sections
                .next()
                .unwrap_or_default()
                .split(US)
                .filter(|f| !f.is_empty())
                .map(|f| {
                    let (k, v) = f.split_once('=').unwrap_or((f, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect();
            Call {
                tool,
                args: argv.collect(),
                stdin,
                files,
            }
        })
        .collect()
}
