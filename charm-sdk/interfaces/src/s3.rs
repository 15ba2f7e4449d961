//! `s3`: a workload asks for a bucket, the s3-integrator answers with an endpoint and keys.
//!
//! Two generations share the interface name:
//! - v0 (data-platform-libs `lib/charms/data_platform_libs/v0/s3.py`, LIBPATCH 6; what
//!   the stable s3-integrator vendors): the requirer writes only `bucket` (default
//!   `relation-<id>`); the provider answers with **plaintext** `access-key`/`secret-key`,
//!   list fields (`tls-ca-chain`, `attributes`) as JSON and the rest as plain strings,
//!   and keeps a `data` mirror.
//! - v1 (`s3` lib LIBAPI 1, LIBPATCH 0, on `data_interfaces` v0): both sides write
//!   `lib-version` (`"1.0"`); the requirer adds `requested-secrets =
//!   ["access-key", "secret-key"]` (app and unit bags), `bucket` and `path` only when set,
//!   and keeps a `data` mirror in its unit bag; the provider puts the keys in
//!   `secret-extra`. A v1 requirer facing a provider without `lib-version >= 1` writes
//!   `bucket = relation-<id>` so a v0 provider answers; a v1 provider ignores `bucket`
//!   from requirers that sent no `requested-secrets` (a v0 requirer's bucket is always the
//!   generated one).
//!
//! Both types here speak both generations: [`S3Requirer`] with the version it is built
//! for, [`S3Provider`] answering each requirer in its own generation.

use charm_sdk::{Charm, Context, Leader, Relation};
use juju_model::Databag;

use crate::dataplatform::protocol::{data_mirror, decode_list, encode_list, DATA, REQUESTED_SECRETS};
use crate::dataplatform::secrets::{read_v0, write_v0};
use crate::error::{BagSide, Error, RelationLabel};
use crate::pyjson;
use crate::sensitive::Sensitive;

/// The key both v1 sides write.
pub const LIB_VERSION: &str = "lib-version";
/// What this implementation writes as `lib-version` (LIBAPI 1, LIBPATCH 0).
pub const LIB_VERSION_V1: &str = "1.0";
/// The fields a v1 requirer asks to be kept in secrets.
pub const V1_SECRET_FIELDS: [&str; 2] = ["access-key", "secret-key"];

/// Which library generation a requirer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum S3Version {
    /// LIBAPI 0: plaintext credentials.
    V0,
    /// LIBAPI 1: credentials in `secret-extra`.
    #[default]
    V1,
}

/// `s3-uri-style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriStyle {
    /// `path`.
    Path,
    /// `host`.
    Host,
}

impl UriStyle {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            UriStyle::Path => "path",
            UriStyle::Host => "host",
        }
    }
}

/// The connection info (what the provider publishes, what the requirer reads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct S3Info {
    /// `access-key`.
    pub access_key: Sensitive,
    /// `secret-key`.
    pub secret_key: Sensitive,
    /// `bucket`.
    pub bucket: Option<String>,
    /// `path`.
    pub path: Option<String>,
    /// `endpoint`.
    pub endpoint: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `s3-uri-style`.
    pub uri_style: Option<UriStyle>,
    /// `storage-class`.
    pub storage_class: Option<String>,
    /// `tls-ca-chain`: PEM certificates (JSON list on the wire).
    pub tls_ca_chain: Option<Vec<String>>,
    /// `s3-api-version` (`2` or `4`).
    pub s3_api_version: Option<String>,
    /// `delete-older-than-days`.
    pub delete_older_than_days: Option<u64>,
    /// `attributes`: extra HTTP headers `key:value` (JSON list on the wire).
    pub attributes: Option<Vec<String>>,
}

impl S3Info {
    /// Every field as written by `update_connection_info` (lists JSON-encoded, others
    /// plain; `None` removes the key).
    pub(crate) fn fields(&self) -> Vec<(String, String)> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let list = |v: &Option<Vec<String>>| {
            v.as_ref()
                .map(|l| pyjson::dumps(l).unwrap_or_default())
                .unwrap_or_default()
        };
        vec![
            ("access-key".into(), self.access_key.expose().to_owned()),
            ("secret-key".into(), self.secret_key.expose().to_owned()),
            ("region".into(), text(&self.region)),
            ("storage-class".into(), text(&self.storage_class)),
            ("attributes".into(), list(&self.attributes)),
            ("bucket".into(), text(&self.bucket)),
            ("endpoint".into(), text(&self.endpoint)),
            ("path".into(), text(&self.path)),
            ("s3-api-version".into(), text(&self.s3_api_version)),
            (
                "s3-uri-style".into(),
                self.uri_style.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            ),
            ("tls-ca-chain".into(), list(&self.tls_ca_chain)),
            (
                "delete-older-than-days".into(),
                self.delete_older_than_days.map(|d| d.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// Decodes resolved provider fields. `access-key`/`secret-key` missing is "not yet".
    pub fn decode(fields: &Databag, relation: &RelationLabel) -> Result<S3Info, Error> {
        let get = |k: &str| fields.get(k).filter(|v| !v.is_empty()).cloned();
        let access_key = get("access-key").ok_or_else(|| Error::missing(relation, BagSide::RemoteApp, "access-key"))?;
        let secret_key = get("secret-key").ok_or_else(|| Error::missing(relation, BagSide::RemoteApp, "secret-key"))?;
        let uri_style = match get("s3-uri-style").as_deref() {
            None => None,
            Some("path") => Some(UriStyle::Path),
            Some("host") => Some(UriStyle::Host),
            Some(_) => {
                return Err(Error::wrong_type(
                    relation,
                    BagSide::RemoteApp,
                    "s3-uri-style",
                    "path or host",
                    "another word",
                ))
            }
        };
        let delete_older_than_days = match get("delete-older-than-days") {
            None => None,
            Some(text) => Some(text.trim().parse::<u64>().map_err(|_| {
                Error::wrong_type(
                    relation,
                    BagSide::RemoteApp,
                    "delete-older-than-days",
                    "a whole number of days",
                    "other text",
                )
            })?),
        };
        Ok(S3Info {
            access_key: Sensitive::new(access_key),
            secret_key: Sensitive::new(secret_key),
            bucket: get("bucket"),
            path: get("path"),
            endpoint: get("endpoint"),
            region: get("region"),
            uri_style,
            storage_class: get("storage-class"),
            tls_ca_chain: decode_list(fields, "tls-ca-chain", relation, BagSide::RemoteApp)?,
            s3_api_version: get("s3-api-version"),
            delete_older_than_days,
            attributes: decode_list(fields, "attributes", relation, BagSide::RemoteApp)?,
        })
    }
}

/// Whether a `lib-version` text says LIBAPI ≥ 1 (`float(x) >= 1` in the library).
pub fn is_v1(lib_version: Option<&str>) -> bool {
    lib_version
        .and_then(|v| v.trim().parse::<f64>().ok())
        .is_some_and(|v| v >= 1.0)
}

/// A workload's side of `s3`.
#[derive(Debug, Clone)]
pub struct S3Requirer {
    endpoint: String,
    version: S3Version,
    bucket: Option<String>,
    path: Option<String>,
}

impl S3Requirer {
    /// A requirer on `endpoint` speaking `version`, asking for `bucket` (`None`: the
    /// provider's choice, or `relation-<id>` for v0 providers).
    pub fn new(endpoint: impl Into<String>, version: S3Version, bucket: Option<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            version,
            bucket,
            path: None,
        }
    }

    /// Asks for a path inside the bucket (v1 only).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The request fields for a relation given the provider's bag and ours (pure).
    pub fn request_bags(&self, relation_id: u32, provider: &Databag, own_app: &Databag) -> (Databag, Databag) {
        let mut app = Databag::new();
        let mut unit = Databag::new();
        let fallback = format!("relation-{relation_id}");
        match self.version {
            S3Version::V0 => {
                app.insert("bucket".into(), self.bucket.clone().unwrap_or(fallback));
            }
            S3Version::V1 => {
                let list = encode_list(&V1_SECRET_FIELDS.map(str::to_owned));
                app.insert(REQUESTED_SECRETS.into(), list.clone());
                unit.insert(REQUESTED_SECRETS.into(), list);
                app.insert(LIB_VERSION.into(), LIB_VERSION_V1.into());
                if let Some(path) = self.path.as_ref().filter(|p| !p.is_empty()) {
                    app.insert("path".into(), path.clone());
                }
                match self.bucket.as_ref().filter(|b| !b.is_empty()) {
                    Some(bucket) => {
                        app.insert("bucket".into(), bucket.clone());
                    }
                    None if !is_v1(provider.get(LIB_VERSION).map(String::as_str))
                        && !own_app.contains_key("bucket") =>
                    {
                        app.insert("bucket".into(), fallback);
                    }
                    None => {}
                }
            }
        }
        (app, unit)
    }

    /// Writes the request (leader) and the v1 `data` mirror (every unit), then returns
    /// the connection of the first relation: `Ok(None)` without a relation,
    /// `Err(MissingKey)` (Waiting) until the keys arrive.
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Option<S3Info>, Error> {
        let relations = ctx.relations(&self.endpoint)?;
        let mut first = None;
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let on = |e: charm_sdk::Error| Error::from(e).on(&label);
            let provider = ctx.remote_app_data(&relation).map_err(on)?;
            let mut unit = Databag::new();
            if let Some(leader) = ctx.leader()? {
                let own = ctx.local_app_data(&relation, Some(&leader)).map_err(on)?;
                let (app, unit_lists) = self.request_bags(relation.id.0, &provider, &own);
                unit.extend(unit_lists);
                ctx.update_app_data(&relation, &leader, &app).map_err(on)?;
            }
            if self.version == S3Version::V1 {
                unit.insert(DATA.into(), data_mirror(&provider));
            }
            if !unit.is_empty() {
                ctx.update_unit_data(&relation, &unit).map_err(on)?;
            }
            if first.is_none() {
                first = Some((relation, label, provider));
            }
        }
        let Some((relation, label, provider)) = first else {
            return Ok(None);
        };
        self.read(ctx, &relation, &label, &provider).map(Some)
    }

    fn read<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        relation: &Relation,
        label: &RelationLabel,
        provider: &Databag,
    ) -> Result<S3Info, Error> {
        let secret_fields: Vec<String> = match self.version {
            S3Version::V0 => Vec::new(),
            S3Version::V1 => V1_SECRET_FIELDS.map(str::to_owned).to_vec(),
        };
        let fields = read_v0(ctx, relation, label, &self.endpoint, provider, &secret_fields)?;
        S3Info::decode(&fields, label)
    }
}

/// One relation as the integrator sees it.
#[derive(Debug, Clone)]
pub struct S3Request {
    /// The relation.
    pub relation: Relation,
    /// Its label.
    pub label: RelationLabel,
    /// The requirer's bag as read.
    pub remote: Databag,
    /// The requirer's generation (`requested-secrets` present: v1).
    pub version: S3Version,
    /// Its `requested-secrets`.
    pub requested_secrets: Vec<String>,
    /// `bucket` as written by the requirer.
    pub bucket: Option<String>,
    /// `path` as written by the requirer.
    pub path: Option<String>,
}

impl S3Request {
    /// Whether the requirer has asked yet (v0: `bucket`; v1: `bucket` or `lib-version`).
    pub fn is_ready(&self) -> bool {
        self.bucket.is_some() || self.remote.get(LIB_VERSION).is_some_and(|v| !v.is_empty())
    }

    /// The bucket the requirer really chose: `None` for v0 requirers, whose bucket is
    /// always the generated `relation-<id>` (`S3ProviderData.fetch_relation_data`).
    pub fn requested_bucket(&self) -> Option<&str> {
        match self.version {
            S3Version::V0 => None,
            S3Version::V1 => self.bucket.as_deref(),
        }
    }
}

/// The integrator's side of `s3`.
#[derive(Debug, Clone)]
pub struct S3Provider {
    endpoint: String,
}

impl S3Provider {
    /// A provider on `endpoint` (answers v0 and v1 requirers).
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
        }
    }

    /// Every live relation with what the requirer wrote.
    pub fn requests<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<Vec<Result<S3Request, Error>>, Error> {
        let mut out = Vec::new();
        for relation in ctx.relations(&self.endpoint)? {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let remote = ctx.remote_app_data(&relation).map_err(|e| Error::from(e).on(&label))?;
            out.push(decode_request(relation, label, remote));
        }
        Ok(out)
    }

    /// Writes `lib-version` (as the v1 library does at relation-created) and, once the
    /// requirer has asked, `info`: keys into `secret-extra` for v1 requirers, plaintext
    /// for v0 ones (plus the v0 `data` mirror).
    pub fn publish<C: Charm>(
        &self,
        ctx: &mut Context<'_, C>,
        leader: &Leader,
        request: &S3Request,
        info: &S3Info,
    ) -> Result<bool, Error> {
        let label = &request.label;
        let on = |e: charm_sdk::Error| Error::from(e).on(label);
        let own = ctx.local_app_data(&request.relation, Some(leader)).map_err(on)?;
        let mut changes: Databag = [(LIB_VERSION.to_owned(), LIB_VERSION_V1.to_owned())].into();
        if request.is_ready() {
            changes.extend(write_v0(
                ctx,
                leader,
                &request.relation,
                label,
                &self.endpoint,
                &own,
                &request.requested_secrets,
                &info.fields(),
            )?);
            if request.version == S3Version::V0 {
                changes.insert(DATA.into(), data_mirror(&request.remote));
            }
        }
        ctx.update_app_data(&request.relation, leader, &changes).map_err(on)
    }
}

/// Decodes a requirer bag (pure; never panics).
pub fn decode_request(relation: Relation, label: RelationLabel, remote: Databag) -> Result<S3Request, Error> {
    let requested_secrets = decode_list(&remote, REQUESTED_SECRETS, &label, BagSide::RemoteApp)?.unwrap_or_default();
    let version = if requested_secrets.is_empty() && !is_v1(remote.get(LIB_VERSION).map(String::as_str)) {
        S3Version::V0
    } else {
        S3Version::V1
    };
    let get = |k: &str| remote.get(k).filter(|v| !v.is_empty()).cloned();
    Ok(S3Request {
        bucket: get("bucket"),
        path: get("path"),
        relation,
        label,
        version,
        requested_secrets,
        remote,
    })
}

/// The other side of `s3`, for `charm-testing` states (feature `testing`): an s3-integrator
/// that has answered, in either library generation, and a workload that has asked.
///
/// ```
/// use charm_interfaces::s3::{testing, S3Version};
///
/// let info = testing::info("history", "https://s3.example.com", "AKIA", "secret");
/// let (v0, none) = testing::provider("s3-credentials", S3Version::V0, &info);
/// assert_eq!(v0.remote_app_data["access-key"], "AKIA");
/// assert!(none.is_empty());
/// let (v1, secrets) = testing::provider("s3-credentials", S3Version::V1, &info);
/// assert!(!v1.remote_app_data.contains_key("access-key"));
/// assert_eq!(v1.remote_app_data["secret-extra"], secrets[0].uri());
/// ```
#[cfg(feature = "testing")]
pub mod testing {
    use charm_testing::{Relation, Secret};
    use juju_model::Databag;

    use super::{S3Info, S3Requirer, S3Version, LIB_VERSION, LIB_VERSION_V1, V1_SECRET_FIELDS};
    use crate::dataplatform::plan::plan_write;
    use crate::dataplatform::protocol::{data_mirror, DATA};
    use crate::dataplatform::testing::granted;

    /// Connection info with the fields every test needs.
    pub fn info(bucket: &str, endpoint: &str, access_key: &str, secret_key: &str) -> S3Info {
        S3Info {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            bucket: Some(bucket.to_owned()),
            endpoint: Some(endpoint.to_owned()),
            ..S3Info::default()
        }
    }

    /// A relation on the charm's `requires` endpoint to s3-integrator, which has published
    /// `info`: v0, every field in plaintext plus the `data` mirror of the v0 request
    /// (no secrets); v1, `lib-version` and the keys in `secret-extra` (granted over the
    /// relation, returned for the state).
    pub fn provider(endpoint: &str, version: S3Version, info: &S3Info) -> (Relation, Vec<Secret>) {
        let relation = Relation::new(endpoint).interface("s3").remote_app("s3-integrator");
        let fields = info.fields();
        let mut bag = Databag::new();
        let mut secrets = Vec::new();
        match version {
            S3Version::V0 => {
                bag.extend(fields.into_iter().filter(|(_, v)| !v.is_empty()));
                let asked: Databag = [("bucket".to_owned(), format!("relation-{}", relation.id))].into();
                bag.insert(DATA.to_owned(), data_mirror(&asked));
            }
            S3Version::V1 => {
                let requested: Vec<String> = V1_SECRET_FIELDS.map(str::to_owned).to_vec();
                let plan = plan_write(&requested, &Databag::new(), &fields);
                let (uris, granted_secrets) = granted(&relation, &plan);
                bag.extend(uris.into_iter().map(|(group, uri)| (group.key(), uri)));
                secrets = granted_secrets;
                bag.extend(plan.plain.into_iter().filter(|(_, v)| !v.is_empty()));
                bag.insert(LIB_VERSION.to_owned(), LIB_VERSION_V1.to_owned());
            }
        }
        (relation.remote_app_data(bag), secrets)
    }

    /// A relation on the integrator's `provides` endpoint to `remote_app`, which has asked
    /// as a `version` requirer for `bucket` (`None`: the provider's choice).
    pub fn requirer(endpoint: &str, remote_app: &str, version: S3Version, bucket: Option<&str>) -> Relation {
        let relation = Relation::new(endpoint).interface("s3").remote_app(remote_app);
        let requirer = S3Requirer::new(endpoint, version, bucket.map(str::to_owned));
        let (app, unit) = requirer.request_bags(relation.id.0, &Databag::new(), &Databag::new());
        relation.remote_unit_data(0, unit).remote_app_data(app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_requirer_falls_back_to_a_generated_bucket_for_v0_providers() {
        let r = S3Requirer::new("s3", S3Version::V1, None);
        let (app, unit) = r.request_bags(5, &Databag::new(), &Databag::new());
        assert_eq!(app["bucket"], "relation-5");
        assert_eq!(app["lib-version"], "1.0");
        assert_eq!(app["requested-secrets"], r#"["access-key", "secret-key"]"#);
        assert_eq!(unit["requested-secrets"], app["requested-secrets"]);
        let v1_provider: Databag = [(LIB_VERSION.to_owned(), "1.0".to_owned())].into();
        let (app, _) = r.request_bags(5, &v1_provider, &Databag::new());
        assert!(!app.contains_key("bucket"));
    }

    #[test]
    fn provider_fields_encode_lists_as_python_json() {
        let info = S3Info {
            access_key: "a".into(),
            secret_key: "s".into(),
            tls_ca_chain: Some(vec![
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into()
            ]),
            attributes: Some(vec!["a:1".into(), "b:2".into()]),
            delete_older_than_days: Some(7),
            ..S3Info::default()
        };
        let fields: Databag = info.fields().into_iter().filter(|(_, v)| !v.is_empty()).collect();
        assert_eq!(
            fields["tls-ca-chain"],
            r#"["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"]"#
        );
        assert_eq!(fields["attributes"], r#"["a:1", "b:2"]"#);
        let label = RelationLabel::from_parts("s3", 1, None);
        let back = S3Info::decode(&fields, &label).unwrap();
        assert_eq!(back, info);
    }
}
