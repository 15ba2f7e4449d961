//! The service-account bearer token, kept out of every `Debug` output and error.

use std::fmt;

/// A bearer token. `Debug` prints `Token(<redacted>)`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token (surrounding whitespace, such as the file's newline, is dropped).
    pub fn new(value: impl Into<String>) -> Token {
        Token(value.into().trim().to_owned())
    }

    /// The token itself, only for the `Authorization` header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("s3cr3t\n");
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert_eq!(t.expose(), "s3cr3t");
    }
}
