//! `grafana_dashboard` provider: send the charm's dashboards to Grafana.
//!
//! Source: grafana_k8s v0 `grafana_dashboard.py` LIBPATCH 32 (`GrafanaDashboardProvider`):
//! the leader writes app key `dashboards` = JSON
//! `{"templates": {"file:<stem>": {"charm", "content", "juju_topology", "inject_dropdowns",
//! "dashboard_alt_uid"}}, "uuid": <uuid4>}`, where `content` is
//! `base64(lzma.compress(file bytes))` (an **xz** container: `lzma.compress` defaults to
//! `FORMAT_XZ`) and `dashboard_alt_uid` is `shake_256("<charm>-<id>").hexdigest(8)`.
//!
//! Deliberate differences:
//! - The xz stream is written by lzma-rs, which stores the data in uncompressed LZMA2
//!   chunks: valid xz that Python's `lzma.decompress` reads, larger than liblzma's output
//!   and not byte-identical to it (no pure-Rust LZMA encoder reproduces liblzma's bytes).
//! - The library writes a fresh `uuid` on every update so the relation always changes. A
//!   reconcile runs on every event, so we keep the uuid already in the bag when the
//!   templates are unchanged and draw a new one only when they change: the same effect
//!   (Grafana sees every real change) without a relation-changed storm on update-status.

use std::io::Read;

use base64::Engine;
use charm_sdk::{Charm, Context};
use juju_model::Databag;
use serde::Serialize;
use serde_json::Value;
use sha3::digest::{ExtendableOutput, Update, XofReader};

use super::topology::Topology;
use crate::error::{kind_of, BagSide, Error, RelationLabel};
use crate::pyjson::{self, Ordered};

/// The app key.
pub const DASHBOARDS: &str = "dashboards";

/// One dashboard as the charm ships it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// The template id: `file:<stem>` for files, as the library names them.
    pub id: String,
    /// The dashboard JSON, as in the file.
    pub content: String,
    /// Whether Grafana should add the Juju topology drop-downs (library default: yes).
    pub inject_dropdowns: bool,
}

impl Dashboard {
    /// A dashboard read from file `file_name` (`kafka.json` → id `file:kafka`). The
    /// content must be JSON: a broken dashboard is the charm's bug.
    pub fn from_file(file_name: &str, content: &str) -> Result<Self, Error> {
        serde_json::from_str::<Value>(content)
            .map_err(|e| Error::Input(format!("dashboard {file_name} is not JSON: {e}")))?;
        let base = file_name.rsplit('/').next().unwrap_or(file_name);
        let stem = match base.rsplit_once('.') {
            Some((s, _)) if !s.is_empty() => s,
            _ => base,
        };
        Ok(Self {
            id: format!("file:{stem}"),
            content: content.to_owned(),
            inject_dropdowns: true,
        })
    }
}

/// `base64(lzma.compress(bytes))` (xz container).
pub fn encode_content(content: &[u8]) -> String {
    let mut out = Vec::with_capacity(content.len() + 64);
    let mut input = content;
    // Writing to a Vec cannot fail.
    let _ = lzma_rs::xz_compress(&mut input, &mut out);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// `lzma.decompress(base64decode(text))`: xz or legacy `.lzma` content, as Grafana's side
/// reads it. `None` when it is neither.
pub fn decode_content(text: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
    let mut out = Vec::new();
    if lzma_rs::xz_decompress(&mut bytes.as_slice(), &mut out).is_err() {
        out.clear();
        lzma_rs::lzma_decompress(&mut bytes.as_slice(), &mut out).ok()?;
    }
    String::from_utf8(out).ok()
}

/// `hashlib.shake_256("<charm>-<id>".encode()).hexdigest(8)`.
pub fn alt_uid(charm_name: &str, id: &str) -> String {
    let mut hasher = sha3::Shake256::default();
    hasher.update(format!("{charm_name}-{id}").as_bytes());
    let mut reader = hasher.finalize_xof();
    let mut digest = [0u8; 8];
    XofReader::read(&mut reader, &mut digest);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The topology a template carries when drop-downs are injected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateTopology {
    /// The model.
    pub model: String,
    /// The model uuid.
    pub model_uuid: String,
    /// The application.
    pub application: String,
    /// The (leader) unit that wrote it.
    pub unit: String,
}

/// One entry of `templates`, keys in the library's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// `charm`: the charm's name.
    pub charm: String,
    /// `content`: base64 of the xz-compressed dashboard.
    pub content: String,
    /// `juju_topology` (`{}` without drop-downs).
    #[serde(serialize_with = "topology_or_empty")]
    pub juju_topology: Option<TemplateTopology>,
    /// `inject_dropdowns`.
    pub inject_dropdowns: bool,
    /// `dashboard_alt_uid`.
    pub dashboard_alt_uid: String,
}

fn topology_or_empty<S: serde::Serializer>(
    topology: &Option<TemplateTopology>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match topology {
        Some(t) => t.serialize(serializer),
        None => Ordered::<String>(Vec::new()).serialize(serializer),
    }
}

/// The `templates` object (pure).
pub fn templates(topology: &Topology, dashboards: &[Dashboard]) -> Ordered<Template> {
    Ordered(
        dashboards
            .iter()
            .map(|d| {
                let template = Template {
                    charm: topology.charm_name.clone(),
                    content: encode_content(d.content.as_bytes()),
                    juju_topology: d.inject_dropdowns.then(|| TemplateTopology {
                        model: topology.model.clone(),
                        model_uuid: topology.model_uuid.clone(),
                        application: topology.application.clone(),
                        unit: topology.unit.clone(),
                    }),
                    inject_dropdowns: d.inject_dropdowns,
                    dashboard_alt_uid: alt_uid(&topology.charm_name, &d.id),
                };
                (d.id.clone(), template)
            })
            .collect(),
    )
}

#[derive(Serialize)]
struct DashboardsDoc<'a> {
    templates: &'a Ordered<Template>,
    uuid: String,
}

/// The `dashboards` value (pure): templates plus `uuid`, reusing `previous`'s uuid when
/// its templates are the same.
pub fn dashboards_value(
    templates: &Ordered<Template>,
    previous: Option<&str>,
    new_uuid: impl FnOnce() -> String,
) -> String {
    let wanted = serde_json::to_value(templates).unwrap_or_default();
    let kept = previous
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .filter(|p| p.get("templates") == Some(&wanted))
        .and_then(|p| p.get("uuid").and_then(Value::as_str).map(str::to_owned));
    let doc = DashboardsDoc {
        templates,
        uuid: kept.unwrap_or_else(new_uuid),
    };
    pyjson::dumps(&doc).unwrap_or_default()
}

/// A random version-4 UUID (`str(uuid.uuid4())`), from the kernel's random source.
pub fn uuid4() -> String {
    let mut bytes = [0u8; 16];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        // No /dev/urandom (not Linux): the uuid only has to differ from the previous one.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let seed = ring::digest::digest(
            &ring::digest::SHA256,
            format!("{nanos}-{}", std::process::id()).as_bytes(),
        );
        bytes.copy_from_slice(&seed.as_ref()[..16]);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Reads a provider's `dashboards` value back: `(id, charm, dashboard JSON)` per template
/// (what Grafana's side does). For tests and consumers.
pub fn decode_dashboards(bag: &Databag, relation: &RelationLabel) -> Result<Vec<(String, String, String)>, Error> {
    let Some(text) = bag.get(DASHBOARDS).filter(|t| !t.is_empty()) else {
        return Err(Error::missing(relation, BagSide::RemoteApp, DASHBOARDS));
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| Error::malformed(relation, BagSide::RemoteApp, DASHBOARDS, &e))?;
    let Some(templates) = value.get("templates").and_then(Value::as_object) else {
        return Err(Error::wrong_type(
            relation,
            BagSide::RemoteApp,
            DASHBOARDS,
            "an object with `templates`",
            kind_of(&value),
        ));
    };
    let mut out = Vec::new();
    for (id, template) in templates {
        let charm = template
            .get("charm")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let content = template
            .get("content")
            .and_then(Value::as_str)
            .and_then(decode_content)
            .ok_or_else(|| {
                Error::wrong_type(
                    relation,
                    BagSide::RemoteApp,
                    DASHBOARDS,
                    "base64 xz content in every template",
                    "undecodable content",
                )
            })?;
        out.push((id.clone(), charm, content));
    }
    Ok(out)
}

/// The dashboard provider of one endpoint (usually `grafana-dashboard`).
#[derive(Debug, Clone)]
pub struct GrafanaDashboardProvider {
    endpoint: String,
    dashboards: Vec<Dashboard>,
}

impl GrafanaDashboardProvider {
    /// A provider on `endpoint` sending `dashboards`.
    pub fn new(endpoint: impl Into<String>, dashboards: Vec<Dashboard>) -> Self {
        Self {
            endpoint: endpoint.into(),
            dashboards,
        }
    }

    /// Writes `dashboards` on every relation (leader only; other units do nothing).
    pub fn reconcile<C: Charm>(&self, ctx: &mut Context<'_, C>) -> Result<(), Error> {
        let Some(leader) = ctx.leader()? else { return Ok(()) };
        let relations = ctx.relations(&self.endpoint)?;
        if relations.is_empty() {
            return Ok(());
        }
        let topology = Topology::from_context(ctx);
        let templates = templates(&topology, &self.dashboards);
        for relation in relations {
            let remote_app = ctx.remote_app(&relation)?;
            let label = RelationLabel::new(&relation, remote_app);
            let own = ctx
                .local_app_data(&relation, Some(&leader))
                .map_err(|e| Error::from(e).on(&label))?;
            let value = dashboards_value(&templates, own.get(DASHBOARDS).map(String::as_str), uuid4);
            let changes: Databag = [(DASHBOARDS.to_owned(), value)].into();
            ctx.update_app_data(&relation, &leader, &changes)
                .map_err(|e| Error::from(e).on(&label))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_uid_matches_python() {
        // python3 -c 'import hashlib; print(hashlib.shake_256(b"kafka-k8s-file:kafka-metrics").hexdigest(8))'
        assert_eq!(alt_uid("kafka-k8s", "file:kafka-metrics"), "efbbf22c21e19c7d");
    }

    #[test]
    fn content_round_trips_and_uuid_is_v4() {
        let text = r#"{"title": "Kafka", "panels": []}"#;
        assert_eq!(decode_content(&encode_content(text.as_bytes())).as_deref(), Some(text));
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, uuid4());
    }
}
