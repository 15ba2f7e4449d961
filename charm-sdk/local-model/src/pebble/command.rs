//! Turning a layer's `command:` string into an argv, as Pebble's `Service.ParseCommand`.
//!
//! The splitting rules live in `juju_model::pebble` (shared with plan validation); a started
//! service gets its default arguments (the trailing `[ ... ]` group) appended.

pub(crate) use juju_model::pebble::shlex_split as split;

/// The argv a service runs: the base command followed by its default arguments.
pub(crate) fn service_argv(command: &str) -> Result<Vec<String>, String> {
    let (mut argv, defaults) = juju_model::pebble::parse_command(command)?;
    argv.extend(defaults);
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
