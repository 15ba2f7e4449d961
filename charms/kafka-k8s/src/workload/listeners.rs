//! The listener model: one Kafka listener per scope × protocol × mechanism.
//!
//! Names and ports are the Python charm's (upstream `src/literals.py`
//! `SECURITY_PROTOCOL_PORTS`, `src/managers/config.py` `Listener`), because clients, NodePort
//! services and `get-listeners` output depend on them: the name is
//! `<SCOPE>_<PROTOCOL>_<MECHANISM with - as _>` (plus `_<n>` for the n-th extra listener) and
//! the port comes from a fixed table per authentication map. Which listeners exist is decided
//! by the caller from the relations ([`super::BrokerInputs::listeners`]).

use std::fmt;

/// Kafka's `security.protocol` of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// SASL over plain TCP.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
    /// TLS with client certificates (mTLS); the principal is the certificate's DN.
    Ssl,
}

impl Protocol {
    /// As Kafka spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::SaslPlaintext => "SASL_PLAINTEXT",
            Protocol::SaslSsl => "SASL_SSL",
            Protocol::Ssl => "SSL",
        }
    }

    /// Whether the listener speaks TLS (and so needs a keystore).
    pub fn is_tls(self) -> bool {
        !matches!(self, Protocol::SaslPlaintext)
    }
}

/// The authentication mechanism of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mechanism {
    /// SASL/SCRAM-SHA-512, the only SCRAM mechanism the charm enables.
    ScramSha512,
    /// SASL/OAUTHBEARER, validated by the Strimzi OAuth callback handler.
    OAuthBearer,
    /// TLS client certificates.
    Ssl,
}

impl Mechanism {
    /// As Kafka spells it (`sasl.enabled.mechanisms`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
            Mechanism::OAuthBearer => "OAUTHBEARER",
            Mechanism::Ssl => "SSL",
        }
    }
}

/// A protocol and mechanism pair: what a client must speak on a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuthMap {
    /// The security protocol.
    pub protocol: Protocol,
    /// The authentication mechanism.
    pub mechanism: Mechanism,
}

impl AuthMap {
    /// SCRAM over plain TCP.
    pub const SASL_PLAINTEXT_SCRAM: AuthMap = AuthMap::new(Protocol::SaslPlaintext, Mechanism::ScramSha512);
    /// SCRAM over TLS.
    pub const SASL_SSL_SCRAM: AuthMap = AuthMap::new(Protocol::SaslSsl, Mechanism::ScramSha512);
    /// Mutual TLS.
    pub const SSL: AuthMap = AuthMap::new(Protocol::Ssl, Mechanism::Ssl);
    /// OAuth over plain TCP.
    pub const SASL_PLAINTEXT_OAUTH: AuthMap = AuthMap::new(Protocol::SaslPlaintext, Mechanism::OAuthBearer);
    /// OAuth over TLS.
    pub const SASL_SSL_OAUTH: AuthMap = AuthMap::new(Protocol::SaslSsl, Mechanism::OAuthBearer);

    /// A pair.
    pub const fn new(protocol: Protocol, mechanism: Mechanism) -> AuthMap {
        AuthMap { protocol, mechanism }
    }

    /// The ports of this pair, per scope.
    pub fn ports(self) -> Ports {
        let (client, internal, external, controller) = match (self.protocol, self.mechanism) {
            (Protocol::SaslPlaintext, Mechanism::ScramSha512) => (9092, 19092, 29092, 9097),
            (Protocol::SaslSsl, Mechanism::ScramSha512) => (9093, 19093, 29093, 9098),
            (Protocol::Ssl, _) | (_, Mechanism::Ssl) => (9094, 19094, 29094, 19194),
            (Protocol::SaslPlaintext, Mechanism::OAuthBearer) => (9095, 19095, 29095, 19195),
            (Protocol::SaslSsl, Mechanism::OAuthBearer) => (9096, 19096, 29096, 19196),
        };
        Ports {
            client,
            internal,
            external,
            controller,
        }
    }
}

/// The fixed ports of one [`AuthMap`] (upstream `Ports(client, internal, external, controller)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// Clients inside the model (`CLIENT` scope).
    pub client: u16,
    /// Inter-broker traffic (`INTERNAL` scope).
    pub internal: u16,
    /// Target port of the per-broker NodePort (`EXTERNAL` scope).
    pub external: u16,
    /// KRaft controller quorum (`CONTROLLER` scope).
    pub controller: u16,
}

/// What a listener is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Inter-broker replication (`inter.broker.listener.name`).
    Internal,
    /// Clients related over `kafka-client`.
    Client,
    /// Clients outside the cluster through a NodePort.
    External,
    /// The n-th `extra-listeners` entry: clients through a host and base port of the operator's.
    Extra {
        /// Position in `extra-listeners`, used in the name.
        index: u32,
        /// Added to the client port.
        base_port: u16,
    },
    /// The KRaft controller quorum.
    Controller,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Internal => "INTERNAL",
            Scope::Client => "CLIENT",
            Scope::External => "EXTERNAL",
            Scope::Extra { .. } => "EXTRA",
            Scope::Controller => "CONTROLLER",
        }
    }
}

/// One listener of this broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// What it is for.
    pub scope: Scope,
    /// What clients must speak.
    pub auth: AuthMap,
    /// The host advertised for it.
    pub advertised_host: String,
    /// The advertised port when it differs from the bound one (the NodePort of `EXTERNAL`).
    pub advertised_port: Option<u16>,
}

impl Listener {
    /// A listener advertising `host` on its own port.
    pub fn new(scope: Scope, auth: AuthMap, host: impl Into<String>) -> Listener {
        Listener {
            scope,
            auth,
            advertised_host: host.into(),
            advertised_port: None,
        }
    }

    /// `<SCOPE>_<PROTOCOL>_<MECHANISM>[_<n>]`, e.g. `CLIENT_SASL_SSL_SCRAM_SHA_512`.
    pub fn name(&self) -> String {
        let mut name = format!(
            "{}_{}_{}",
            self.scope.name(),
            self.auth.protocol.as_str(),
            self.auth.mechanism.as_str().replace('-', "_")
        );
        if let Scope::Extra { index, .. } = self.scope {
            name.push_str(&format!("_{index}"));
        }
        name
    }

    /// The name lower-cased, as used in `listener.name.<name>.` prefixes.
    pub fn prefix(&self) -> String {
        format!("listener.name.{}.", self.name().to_lowercase())
    }

    /// The port the broker binds.
    pub fn port(&self) -> u16 {
        let ports = self.auth.ports();
        match self.scope {
            Scope::Internal => ports.internal,
            Scope::Client => ports.client,
            Scope::External => ports.external,
            Scope::Extra { base_port, .. } => ports.client.saturating_add(base_port),
            Scope::Controller => ports.controller,
        }
    }

    /// `<name>:<protocol>` for `listener.security.protocol.map`.
    pub fn protocol_map(&self) -> String {
        format!("{}:{}", self.name(), self.auth.protocol.as_str())
    }

    /// `<name>://<bind>:<port>` for `listeners`.
    pub fn bind(&self, address: &str) -> String {
        format!("{}://{}:{}", self.name(), bracket(address), self.port())
    }

    /// `<name>://<host>:<port>` for `advertised.listeners` (and for the controller's own
    /// `listeners` entry, which binds the host name as upstream does).
    pub fn advertised(&self) -> String {
        format!(
            "{}://{}:{}",
            self.name(),
            bracket(&self.advertised_host),
            self.advertised_port.unwrap_or_else(|| self.port())
        )
    }
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ports_follow_the_python_charm() {
        let l = Listener::new(
            Scope::Internal,
            AuthMap::SASL_PLAINTEXT_SCRAM,
            "kafka-k8s-0.kafka-k8s-endpoints",
        );
        assert_eq!(l.name(), "INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512");
        assert_eq!(l.port(), 19092);
        assert_eq!(
            l.bind("0.0.0.0"),
            "INTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://0.0.0.0:19092"
        );
        assert_eq!(l.prefix(), "listener.name.internal_sasl_plaintext_scram_sha_512.");
        let c = Listener::new(Scope::Client, AuthMap::SSL, "h");
        assert_eq!((c.name().as_str(), c.port()), ("CLIENT_SSL_SSL", 9094));
        let e = Listener::new(
            Scope::Extra {
                index: 0,
                base_port: 30000,
            },
            AuthMap::SASL_SSL_SCRAM,
            "worker-0.example.com",
        );
        assert_eq!(e.name(), "EXTRA_SASL_SSL_SCRAM_SHA_512_0");
        assert_eq!(
            e.advertised(),
            "EXTRA_SASL_SSL_SCRAM_SHA_512_0://worker-0.example.com:39093"
        );
        let k = Listener::new(Scope::Controller, AuthMap::SASL_SSL_SCRAM, "h");
        assert_eq!(
            (k.name().as_str(), k.port()),
            ("CONTROLLER_SASL_SSL_SCRAM_SHA_512", 9098)
        );
        assert_eq!(Listener::new(Scope::Client, AuthMap::SASL_SSL_OAUTH, "h").port(), 9096);
        let mut x = Listener::new(Scope::External, AuthMap::SASL_PLAINTEXT_SCRAM, "10.1.2.3");
        x.advertised_port = Some(31234);
        assert_eq!(x.advertised(), "EXTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://10.1.2.3:31234");
        assert_eq!(x.bind("::"), "EXTERNAL_SASL_PLAINTEXT_SCRAM_SHA_512://[::]:29092");
    }
}
