//! Typed config: Juju's `config-get` map decoded into the charm's `Config` type.
//!
//! serde alone says "invalid type: string, expected u16" without the option's name; we
//! track the path (serde_path_to_error) so the Blocked status names the option, as an
//! operator needs: `invalid config option 'client-port': invalid type: ...`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;

/// Decodes config values into `T`, naming the offending option on failure.
pub fn decode<T: DeserializeOwned>(values: serde_json::Map<String, Value>) -> Result<T, Error> {
    serde_path_to_error::deserialize(Value::Object(values)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let option = if path == "." || path.is_empty() {
            // "missing field `x`": the option is named inside the message.
            inner
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| "?".to_owned())
        } else {
            path
        };
        Error::Config { option, message: inner }
    })
}

/// A check a charm runs on a decoded config value; returns [`Error::Config`] naming
/// the option when `ok` is false.
pub fn ensure(ok: bool, option: &str, message: impl Into<String>) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(Error::Config {
            option: option.to_owned(),
            message: message.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    struct Config {
        client_port: u16,
        log_level: String,
    }

    fn values(json: &str) -> serde_json::Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn wrong_type_names_the_option() {
        let err = decode::<Config>(values(r#"{"client-port": 70000, "log-level": "INFO"}"#)).unwrap_err();
        let Error::Config { option, message } = err else {
            panic!("not a config error")
        };
        assert_eq!(option, "client-port");
        assert!(message.contains("70000"), "{message}");
    }

    #[test]
    fn missing_option_is_named() {
        let err = decode::<Config>(values(r#"{"client-port": 2181}"#)).unwrap_err();
        assert!(
            matches!(err, Error::Config { ref option, .. } if option == "log-level"),
            "{err}"
        );
    }
}
