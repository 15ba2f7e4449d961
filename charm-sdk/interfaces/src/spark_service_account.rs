//! `spark_service_account` v0: a Spark workload (Kyuubi, a notebook) asks the integration
//! hub for a Kubernetes service account and gets back Spark properties and the RBAC
//! manifest to apply.
//!
//! Built on `data_interfaces` v0, so it is one more [`Interface`] of the data-platform
//! engine. Source: canonical/spark-integration-hub-k8s-operator
//! `lib/charms/spark_integration_hub_k8s/v0/spark_service_account.py` (LIBPATCH 2): the
//! requirer writes `service-account` (`namespace:name`) and `skip-creation`
//! (`"true"`/`"false"`) and adds `spark-properties` and `resource-manifest` to its
//! `requested-secrets`, so both arrive in `secret-extra`.

use std::collections::BTreeMap;

use crate::dataplatform::interface::{default_requested_plus, required, Interface, Provider, Requirer};
use crate::dataplatform::protocol::{parse_flag, DEFAULT_PROVIDED_SECRETS};
use crate::dataplatform::provider::Spec;
use crate::dataplatform::request::RemoteRequest;
use crate::dataplatform::requirer::Answer;
use crate::error::{kind_of, BagSide, Error, RelationLabel};
use crate::pyjson;

/// The spark_service_account spec.
pub const SPARK_SERVICE_ACCOUNT: Spec = Spec {
    interface: "spark_service_account",
    resource_field: "service-account",
    ready_keys: &["service-account"],
    v1_extra_secrets: &[],
    v1_request_fields: &[],
    provider_mirror: true,
    requirer_mirror: true,
};

/// The spark_service_account interface.
#[derive(Debug, Clone, Copy)]
pub enum SparkServiceAccount {}

/// A service account, `namespace:name` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceAccountRequest {
    /// The namespace.
    pub namespace: String,
    /// The account name.
    pub name: String,
    /// `skip-creation`: the account exists already; the hub only configures it.
    pub skip_creation: bool,
}

impl ServiceAccountRequest {
    /// `namespace:name`.
    pub fn wire(&self) -> String {
        format!("{}:{}", self.namespace, self.name)
    }
}

/// What the hub answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceAccountGrant {
    /// `service-account` as granted (`namespace:name`).
    pub service_account: String,
    /// `spark-properties`: Spark configuration (key → value), JSON object text on the wire.
    pub spark_properties: BTreeMap<String, String>,
    /// `resource-manifest`: the Kubernetes manifest (YAML) the hub applied or wants applied.
    pub resource_manifest: Option<String>,
}

impl Interface for SparkServiceAccount {
    const SPEC: Spec = SPARK_SERVICE_ACCOUNT;
    type Request = ServiceAccountRequest;
    type Response = ServiceAccountGrant;
    type Connection = ServiceAccountGrant;

    fn encode_request(
        request: &ServiceAccountRequest,
        relation: &RelationLabel,
    ) -> Result<Vec<(String, String)>, Error> {
        let valid = |s: &str| !s.is_empty() && !s.contains(':');
        if !valid(&request.namespace) || !valid(&request.name) {
            return Err(Error::invalid(
                relation,
                "the service account must be namespace:name, both non-empty and without ':'",
            ));
        }
        Ok(vec![
            ("service-account".to_owned(), request.wire()),
            (
                "skip-creation".to_owned(),
                if request.skip_creation { "true" } else { "false" }.to_owned(),
            ),
        ])
    }

    fn decode_request(raw: &RemoteRequest, relation: &RelationLabel) -> Result<ServiceAccountRequest, Error> {
        let Some((namespace, name)) = raw
            .resource
            .split_once(':')
            .filter(|(n, a)| !n.is_empty() && !a.is_empty() && !a.contains(':'))
        else {
            return Err(Error::wrong_type(
                relation,
                BagSide::RemoteApp,
                "service-account",
                "namespace:name",
                "another shape",
            ));
        };
        let skip_creation = match raw.field("skip-creation") {
            None => false,
            Some(text) => parse_flag(text).ok_or_else(|| {
                Error::wrong_type(
                    relation,
                    BagSide::RemoteApp,
                    "skip-creation",
                    "true or false",
                    "another word",
                )
            })?,
        };
        Ok(ServiceAccountRequest {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            skip_creation,
        })
    }

    fn requested_secrets(_request: &ServiceAccountRequest) -> Vec<String> {
        default_requested_plus(&["spark-properties", "resource-manifest"])
    }

    fn provided_secrets(_request: &ServiceAccountRequest) -> Vec<String> {
        DEFAULT_PROVIDED_SECRETS.iter().map(|s| (*s).to_owned()).collect()
    }

    fn encode_response(grant: &ServiceAccountGrant, raw: &RemoteRequest) -> Vec<(String, String)> {
        let account = if grant.service_account.is_empty() {
            raw.resource.clone()
        } else {
            grant.service_account.clone()
        };
        vec![
            ("service-account".to_owned(), account),
            (
                "spark-properties".to_owned(),
                pyjson::dumps(&grant.spark_properties).unwrap_or_else(|_| "{}".to_owned()),
            ),
            (
                "resource-manifest".to_owned(),
                grant.resource_manifest.clone().unwrap_or_default(),
            ),
        ]
    }

    fn decode_answer(answer: &Answer) -> Result<ServiceAccountGrant, Error> {
        let service_account = required(answer, "service-account")?;
        let properties = required(answer, "spark-properties")?;
        let value: serde_json::Value = serde_json::from_str(&properties)
            .map_err(|e| Error::malformed(&answer.label, BagSide::Secret, "spark-properties", &e))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Error::wrong_type(
                &answer.label,
                BagSide::Secret,
                "spark-properties",
                "a JSON object",
                kind_of(&value),
            ));
        };
        let spark_properties = map
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect();
        Ok(ServiceAccountGrant {
            service_account,
            spark_properties,
            resource_manifest: answer.get("resource-manifest").map(str::to_owned),
        })
    }
}

/// The integration hub's side.
pub type SparkServiceAccountProvider = Provider<SparkServiceAccount>;
/// A Spark workload's side.
pub type SparkServiceAccountRequirer = Requirer<SparkServiceAccount>;

/// The other side of `spark_service_account`, for `charm-testing` states (feature
/// `testing`).
///
/// ```
/// use charm_interfaces::spark_service_account::testing;
///
/// let (relation, secrets) = testing::provider("spark-service-account", "spark", "kyuubi", &[("spark.executor.instances", "2")]);
/// assert_eq!(relation.remote_app_data["service-account"], "spark:kyuubi");
/// assert_eq!(secrets[0].tracked_content["spark-properties"], r#"{"spark.executor.instances": "2"}"#);
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    use charm_testing::{Relation, Secret};

    use super::{ServiceAccountGrant, ServiceAccountRequest, SparkServiceAccount};
    use crate::dataplatform::testing::{built, provider as answered, requirer as asked};

    fn request(namespace: &str, name: &str) -> ServiceAccountRequest {
        ServiceAccountRequest {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            skip_creation: false,
        }
    }

    /// A relation on the charm's `requires` endpoint to spark-integration-hub-k8s, which
    /// has created `namespace:name` and published `properties` (and a ServiceAccount
    /// manifest) in `secret-extra`, granted over the relation.
    pub fn provider(
        endpoint: &str,
        namespace: &str,
        name: &str,
        properties: &[(&str, &str)],
    ) -> (Relation, Vec<Secret>) {
        let request = request(namespace, name);
        let grant = ServiceAccountGrant {
            service_account: request.wire(),
            spark_properties: properties
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            resource_manifest: Some(format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            )),
        };
        built(answered::<SparkServiceAccount>(
            endpoint,
            "spark-integration-hub-k8s",
            &request,
            &grant,
        ))
    }

    /// A relation on the hub's `provides` endpoint to `remote_app` (kyuubi-k8s), which has
    /// asked for `namespace:name`.
    pub fn requirer(endpoint: &str, remote_app: &str, namespace: &str, name: &str) -> Relation {
        built(asked::<SparkServiceAccount>(
            endpoint,
            remote_app,
            &request(namespace, name),
        ))
    }
}
