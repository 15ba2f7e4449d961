//! `azure_storage` v0: a workload asks for a container, the azure-storage-integrator
//! answers with the storage account and its key.
//!
//! Built on `data_interfaces` v0, so it is one more [`Interface`] of the data-platform
//! engine. Sources: canonical/object-storage-integrators
//! `azure_storage/lib/charms/data_platform_libs/v0/azure_storage.py` (LIBPATCH 1) and
//! `azure_storage/src/core/domain.py` (`AzureConnectionInfo.to_dict`, which also writes
//! `resource-group` and always writes a derived `endpoint`).
//!
//! Library quirks kept on the wire: the requirer's `requested-secrets` is just
//! `["secret-key"]`, while its `provided-secrets` lists every field of `SECRET_LABEL_MAP`
//! (the library computes it as "mapped fields not requested"); the container defaults to
//! `relation-<id>`.

use crate::dataplatform::interface::{required, Interface, Provider, Requirer};
use crate::dataplatform::protocol::SECRET_LABEL_MAP_FIELDS;
use crate::dataplatform::provider::Spec;
use crate::dataplatform::request::RemoteRequest;
use crate::dataplatform::requirer::Answer;
use crate::error::{BagSide, Error, RelationLabel};
use crate::sensitive::Sensitive;

/// The azure_storage spec.
pub const AZURE_STORAGE: Spec = Spec {
    interface: "azure_storage",
    resource_field: "container",
    ready_keys: &["container"],
    v1_extra_secrets: &[],
    v1_request_fields: &[],
    provider_mirror: true,
    requirer_mirror: true,
};

/// `AZURE_STORAGE_REQUIRED_INFO`: what makes the connection usable.
pub const REQUIRED_INFO: [&str; 4] = ["container", "storage-account", "secret-key", "connection-protocol"];

/// The azure_storage interface.
#[derive(Debug, Clone, Copy)]
pub enum AzureStorage {}

/// What a workload asks for: a container (`None`: `relation-<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerRequest {
    /// `container`.
    pub container: Option<String>,
}

/// How to reach the storage account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionProtocol {
    /// `abfs`.
    Abfs,
    /// `abfss`.
    Abfss,
    /// `wasb`.
    Wasb,
    /// `wasbs`.
    Wasbs,
    /// `http` (accepted by the integrator, absent from the interface schema).
    Http,
    /// `https` (accepted by the integrator, absent from the interface schema).
    Https,
}

impl ConnectionProtocol {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionProtocol::Abfs => "abfs",
            ConnectionProtocol::Abfss => "abfss",
            ConnectionProtocol::Wasb => "wasb",
            ConnectionProtocol::Wasbs => "wasbs",
            ConnectionProtocol::Http => "http",
            ConnectionProtocol::Https => "https",
        }
    }

    /// Parses the wire text (case-insensitive, as the integrator compares).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "abfs" => ConnectionProtocol::Abfs,
            "abfss" => ConnectionProtocol::Abfss,
            "wasb" => ConnectionProtocol::Wasb,
            "wasbs" => ConnectionProtocol::Wasbs,
            "http" => ConnectionProtocol::Http,
            "https" => ConnectionProtocol::Https,
            _ => return None,
        })
    }
}

/// The integrator's answer (and what a workload gets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureStorageInfo {
    /// `container`.
    pub container: String,
    /// `storage-account`.
    pub storage_account: String,
    /// `secret-key` (in `secret-extra`).
    pub secret_key: Sensitive,
    /// `connection-protocol`.
    pub connection_protocol: ConnectionProtocol,
    /// `endpoint` (`None` when publishing: derived as the integrator does).
    pub endpoint: Option<String>,
    /// `path`.
    pub path: Option<String>,
    /// `resource-group`.
    pub resource_group: Option<String>,
}

impl AzureStorageInfo {
    /// `AzureConnectionInfo.derived_endpoint`.
    pub fn derived_endpoint(&self) -> String {
        if let Some(e) = self.endpoint.as_ref().filter(|e| !e.is_empty()) {
            return e.clone();
        }
        let (p, c, a) = (
            self.connection_protocol.as_str(),
            &self.container,
            &self.storage_account,
        );
        match self.connection_protocol {
            ConnectionProtocol::Wasb | ConnectionProtocol::Wasbs => format!("{p}://{c}@{a}.blob.core.windows.net/"),
            ConnectionProtocol::Abfs | ConnectionProtocol::Abfss => format!("{p}://{c}@{a}.dfs.core.windows.net/"),
            ConnectionProtocol::Http | ConnectionProtocol::Https => format!("{p}://{a}.blob.core.windows.net/{c}"),
        }
    }
}

impl Interface for AzureStorage {
    const SPEC: Spec = AZURE_STORAGE;
    type Request = ContainerRequest;
    type Response = AzureStorageInfo;
    type Connection = AzureStorageInfo;

    fn encode_request(request: &ContainerRequest, relation: &RelationLabel) -> Result<Vec<(String, String)>, Error> {
        let container = request
            .container
            .clone()
            .unwrap_or_else(|| format!("relation-{}", relation.id));
        Ok(vec![("container".to_owned(), container)])
    }

    fn decode_request(raw: &RemoteRequest, _relation: &RelationLabel) -> Result<ContainerRequest, Error> {
        Ok(ContainerRequest {
            container: Some(raw.resource.clone()).filter(|c| !c.is_empty()),
        })
    }

    fn requested_secrets(_request: &ContainerRequest) -> Vec<String> {
        vec!["secret-key".to_owned()]
    }

    fn provided_secrets(_request: &ContainerRequest) -> Vec<String> {
        // Every mapped field except the requested ones: all of them.
        SECRET_LABEL_MAP_FIELDS.iter().map(|f| (*f).to_owned()).collect()
    }

    fn encode_response(info: &AzureStorageInfo, _raw: &RemoteRequest) -> Vec<(String, String)> {
        vec![
            (
                "connection-protocol".to_owned(),
                info.connection_protocol.as_str().to_owned(),
            ),
            ("container".to_owned(), info.container.clone()),
            ("storage-account".to_owned(), info.storage_account.clone()),
            ("secret-key".to_owned(), info.secret_key.expose().to_owned()),
            ("endpoint".to_owned(), info.derived_endpoint()),
            ("path".to_owned(), info.path.clone().unwrap_or_default()),
            (
                "resource-group".to_owned(),
                info.resource_group.clone().unwrap_or_default(),
            ),
        ]
    }

    fn decode_answer(answer: &Answer) -> Result<AzureStorageInfo, Error> {
        let container = required(answer, "container")?;
        let storage_account = required(answer, "storage-account")?;
        let secret_key = required(answer, "secret-key")?;
        let protocol_text = required(answer, "connection-protocol")?;
        let connection_protocol = ConnectionProtocol::parse(&protocol_text).ok_or_else(|| {
            Error::wrong_type(
                &answer.label,
                BagSide::RemoteApp,
                "connection-protocol",
                "abfs, abfss, wasb or wasbs",
                "another word",
            )
        })?;
        let get = |k: &str| answer.get(k).map(str::to_owned);
        Ok(AzureStorageInfo {
            container,
            storage_account,
            secret_key: Sensitive::new(secret_key),
            connection_protocol,
            endpoint: get("endpoint"),
            path: get("path"),
            resource_group: get("resource-group"),
        })
    }
}

/// The integrator's side.
pub type AzureStorageProvider = Provider<AzureStorage>;
/// A workload's side.
pub type AzureStorageRequirer = Requirer<AzureStorage>;

/// The other side of `azure_storage`, for `charm-testing` states (feature `testing`).
///
/// ```
/// use charm_interfaces::azure_storage::{testing, ConnectionProtocol};
///
/// let (relation, secrets) = testing::provider("azure-storage-credentials", "spark", "acct", "key==", ConnectionProtocol::Abfss);
/// assert_eq!(relation.remote_app_data["storage-account"], "acct");
/// assert_eq!(secrets[0].tracked_content["secret-key"], "key==");
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    use charm_testing::{Relation, Secret};

    use super::{AzureStorage, AzureStorageInfo, ConnectionProtocol, ContainerRequest};
    use crate::dataplatform::testing::{built, provider as answered, requirer as asked};

    /// A relation on the charm's `requires` endpoint to azure-storage-integrator, which has
    /// answered a request for `container` with the storage account and its key (the key in
    /// `secret-extra`, granted over the relation; the endpoint derived as the integrator
    /// does).
    pub fn provider(
        endpoint: &str,
        container: &str,
        storage_account: &str,
        secret_key: &str,
        protocol: ConnectionProtocol,
    ) -> (Relation, Vec<Secret>) {
        let request = ContainerRequest {
            container: Some(container.to_owned()),
        };
        let info = AzureStorageInfo {
            container: container.to_owned(),
            storage_account: storage_account.to_owned(),
            secret_key: secret_key.into(),
            connection_protocol: protocol,
            endpoint: None,
            path: None,
            resource_group: None,
        };
        built(answered::<AzureStorage>(
            endpoint,
            "azure-storage-integrator",
            &request,
            &info,
        ))
    }

    /// A relation on the integrator's `provides` endpoint to `remote_app`, which has asked
    /// for `container` (`None`: `relation-<id>`).
    pub fn requirer(endpoint: &str, remote_app: &str, container: Option<&str>) -> Relation {
        let request = ContainerRequest {
            container: container.map(str::to_owned),
        };
        built(asked::<AzureStorage>(endpoint, remote_app, &request))
    }
}
