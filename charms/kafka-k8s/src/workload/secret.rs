//! A password that cannot end up in a log line by accident.
//!
//! Every credential the renderers take (SCRAM passwords, keystore passwords, the ZooKeeper
//! password) is a [`Secret`]: `Debug` prints `<redacted>`, there is no `Display`, and the
//! text is only reachable through [`Secret::expose`], which the renderers call at the one
//! place the value is written into a file. Errors about a secret name the secret, never its
//! value.

use std::fmt;

use crate::error::Error;

/// A password or other credential.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself; only for writing it where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks that the secret can be written inside double quotes of a JAAS entry and as a
    /// Java properties value: not empty, no `"`, `\`, `,` `]` (which the KRaft storage tool
    /// splits on) or control characters. `what` names the secret in the error.
    pub fn check_quotable(&self, what: &str) -> Result<(), Error> {
        let bad = |why: &str| Error::BadSecret {
            what: what.to_owned(),
            why: why.to_owned(),
        };
        if self.0.is_empty() {
            return Err(bad("it is empty"));
        }
        if self.0.chars().any(|c| c.is_control()) {
            return Err(bad("it contains a control character"));
        }
        if self.0.contains(['"', '\\', ',', ']']) {
            return Err(bad("it contains one of \" \\ , ]"));
        }
        Ok(())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value_and_checks_name_only_the_secret() {
        let secret = Secret::new("hunter2\"x");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        let err = secret.check_quotable("sync password").unwrap_err().to_string();
        assert!(err.contains("sync password") && !err.contains("hunter2"), "{err}");
        assert!(Secret::new("Abc123xyz").check_quotable("p").is_ok());
        assert!(Secret::new("").check_quotable("p").is_err());
        assert!(Secret::new("a\nb").check_quotable("p").is_err());
    }
}
