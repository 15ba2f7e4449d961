//! The listeners the broker actually runs, read back from its `server.properties`.
//!
//! `get-listeners` and `export-network-policies` describe what runs, not what the next
//! rolling restart will bring, so they read the file the broker loaded rather than
//! recomputing the inputs. Listener names carry their scope, protocol and mechanism
//! (`CLIENT_SASL_SSL_SCRAM_SHA_512`, `EXTRA_SASL_PLAINTEXT_SCRAM_SHA_512_0`), so the model is
//! rebuilt from the names and the ports and hosts from `listeners`/`advertised.listeners`.

use std::collections::BTreeMap;

use crate::workload::properties::parse;
use crate::workload::{AuthMap, Listener, Mechanism, Protocol, Scope};

/// One running listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveListener {
    /// The model (scope, auth, advertised host).
    pub listener: Listener,
    /// The bound port, as in `listeners`.
    pub port: u16,
    /// `name://host:port` from `advertised.listeners` (empty for controller listeners).
    pub advertised: String,
}

impl ActiveListener {
    /// `INTERNAL`, `CLIENT`, `EXTERNAL`, `EXTRA` or `CONTROLLER`.
    pub fn scope_name(&self) -> &'static str {
        match self.listener.scope {
            Scope::Internal => "INTERNAL",
            Scope::Client => "CLIENT",
            Scope::External => "EXTERNAL",
            Scope::Extra { .. } => "EXTRA",
            Scope::Controller => "CONTROLLER",
        }
    }
}

/// `(scope, auth, extra index)` from a listener name.
pub fn parse_name(name: &str) -> Option<(Scope, AuthMap)> {
    let (scope_text, rest) = name.split_once('_')?;
    let (rest, index) = match rest.rsplit_once('_') {
        Some((head, tail)) if scope_text == "EXTRA" && tail.chars().all(|c| c.is_ascii_digit()) => {
            (head, tail.parse::<u32>().ok())
        }
        _ => (rest, None),
    };
    let (protocol, mechanism_text) = [
        ("SASL_PLAINTEXT_", Protocol::SaslPlaintext),
        ("SASL_SSL_", Protocol::SaslSsl),
        ("SSL_", Protocol::Ssl),
    ]
    .into_iter()
    .find_map(|(prefix, p)| rest.strip_prefix(prefix).map(|m| (p, m)))?;
    let mechanism = match mechanism_text {
        "SCRAM_SHA_512" => Mechanism::ScramSha512,
        "OAUTHBEARER" => Mechanism::OAuthBearer,
        "SSL" => Mechanism::Ssl,
        _ => return None,
    };
    let scope = match scope_text {
        "INTERNAL" => Scope::Internal,
        "CLIENT" => Scope::Client,
        "EXTERNAL" => Scope::External,
        "CONTROLLER" => Scope::Controller,
        "EXTRA" => Scope::Extra {
            index: index?,
            base_port: 0,
        },
        _ => return None,
    };
    Some((scope, AuthMap::new(protocol, mechanism)))
}

fn split_entries(value: &str) -> BTreeMap<String, (String, u16)> {
    value
        .split(',')
        .filter_map(|entry| {
            let (name, rest) = entry.trim().split_once("://")?;
            let (host, port) = rest.rsplit_once(':')?;
            Some((
                name.to_owned(),
                (host.trim_matches(['[', ']']).to_owned(), port.parse().ok()?),
            ))
        })
        .collect()
}

/// The listeners of a rendered `server.properties`, in `listeners` order.
pub fn from_server_properties(text: &str) -> Vec<ActiveListener> {
    let props: BTreeMap<String, String> = parse(text).into_iter().collect();
    let bound = props.get("listeners").map(String::as_str).unwrap_or("");
    let advertised = split_entries(props.get("advertised.listeners").map(String::as_str).unwrap_or(""));
    let mut out = Vec::new();
    for entry in bound.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((name, rest)) = entry.split_once("://") else {
            continue;
        };
        let Some(port) = rest.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok()) else {
            continue;
        };
        let Some((mut scope, auth)) = parse_name(name) else {
            continue;
        };
        if let Scope::Extra { index, .. } = scope {
            scope = Scope::Extra {
                index,
                base_port: port.saturating_sub(auth.ports().client),
            };
        }
        let (host, advertised_port) = advertised.get(name).cloned().unwrap_or_default();
        let mut listener = Listener::new(scope, auth, host.clone());
        if advertised_port != 0 && advertised_port != port {
            listener.advertised_port = Some(advertised_port);
        }
        let advertised = if host.is_empty() {
            String::new()
        } else {
            format!(
                "{name}://{host}:{}",
                if advertised_port == 0 { port } else { advertised_port }
            )
        };
        out.push(ActiveListener {
            listener,
            port,
            advertised,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_read_back_from_the_file() {
        let text = "listeners=INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:19092,CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:9092,EXTRA_SASL_PLAINTEXT_SCRAM_SHA_512_0://0.0.0.0:39092\n\
advertised.listeners=INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://k-0.k-endpoints:19092,CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://k-0.k-endpoints:9092,EXTRA_SASL_PLAINTEXT_SCRAM_SHA_512_0://w-0.example:39092\n";
        let active = from_server_properties(text);
        assert_eq!(active.len(), 3);
        assert_eq!(active[0].listener.name(), "INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512");
        assert_eq!(
            active[1].advertised,
            "CLIENT_SASL_PLAINTEXT_SCRAM_SHA_512://k-0.k-endpoints:9092"
        );
        assert_eq!(active[2].listener.name(), "EXTRA_SASL_PLAINTEXT_SCRAM_SHA_512_0");
        assert_eq!(active[2].listener.port(), 39092);
        assert_eq!(active[2].scope_name(), "EXTRA");
        assert_eq!(parse_name("CLIENT_SSL_SSL").map(|(_, a)| a), Some(AuthMap::SSL));
        assert_eq!(parse_name("NOPE"), None);
    }
}
