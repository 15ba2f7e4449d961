//! Juju bundles and overlays: the keys Juju accepts (strictly), and the deployment a bundle
//! plus overlays describes, merged as `juju deploy <bundle> --overlay ...` merges them.
//!
//! Merge rules (Juju's bundle overlay documentation): an application declared with no value
//! is removed together with every relation that names it; otherwise an overlay's keys replace
//! the base's, except the maps `options`, `resources`, `storage`, `annotations` and `offers`,
//! which are merged key by key. Relations and `saas` entries are added.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// A bundle or overlay file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)] // the fields are Juju's keys of the same name
pub struct BundleFile {
    #[serde(default)]
    pub bundle: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default_base: Option<String>,
    #[serde(default)]
    pub applications: BTreeMap<String, Option<Application>>,
    #[serde(default)]
    pub saas: BTreeMap<String, Saas>,
    #[serde(default)]
    pub relations: Vec<Vec<String>>,
}

/// An application entry (every key optional, as in an overlay).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // the fields are Juju's keys of the same name
pub struct Application {
    #[serde(default)]
    pub charm: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub revision: Option<u64>,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub scale: Option<u64>,
    #[serde(default)]
    pub num_units: Option<u64>,
    #[serde(default)]
    pub trust: Option<bool>,
    #[serde(default)]
    pub constraints: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, serde_yaml_ng::Value>,
    #[serde(default)]
    pub resources: BTreeMap<String, serde_yaml_ng::Value>,
    #[serde(default)]
    pub storage: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub offers: BTreeMap<String, serde_yaml_ng::Value>,
}

/// A `saas` entry: an offer from another model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saas {
    /// `[<controller>:]<user>/<model>.<offer>`.
    pub url: String,
}

impl Saas {
    /// The offer name (after the last `.`).
    pub fn offer(&self) -> Option<&str> {
        let (model_path, offer) = self.url.rsplit_once('.')?;
        (model_path.contains('/') && !offer.is_empty()).then_some(offer)
    }
}

/// One end of a relation: `app:endpoint`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct End {
    /// The application or SAAS name.
    pub app: String,
    /// The endpoint; `None` when the bundle leaves it to Juju.
    pub endpoint: Option<String>,
}

impl End {
    /// Parses `app[:endpoint]`.
    pub fn parse(text: &str) -> End {
        match text.split_once(':') {
            Some((app, endpoint)) => End {
                app: app.to_owned(),
                endpoint: Some(endpoint.to_owned()),
            },
            None => End {
                app: text.to_owned(),
                endpoint: None,
            },
        }
    }
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.endpoint {
            Some(endpoint) => write!(f, "{}:{endpoint}", self.app),
            None => f.write_str(&self.app),
        }
    }
}

/// What a bundle plus overlays deploys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deployment {
    /// Applications by name.
    pub applications: BTreeMap<String, Application>,
    /// Offers consumed from other models.
    pub saas: BTreeMap<String, Saas>,
    /// Relations, each a pair of ends.
    pub relations: Vec<(End, End)>,
}

/// Reads a bundle or overlay file.
pub fn read(path: &Path) -> Result<BundleFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The deployment of `bundle` with `overlays` applied in order.
pub fn deployment(bundle: &BundleFile, overlays: &[&BundleFile]) -> Result<Deployment, String> {
    let mut out = Deployment::default();
    for (index, file) in std::iter::once(bundle).chain(overlays.iter().copied()).enumerate() {
        for (name, app) in &file.applications {
            match app {
                None => {
                    if out.applications.remove(name).is_none() {
                        return Err(format!("overlay {index} removes {name:?}, which is not deployed"));
                    }
                    out.relations.retain(|(a, b)| a.app != *name && b.app != *name);
                }
                Some(app) => match out.applications.get_mut(name) {
                    Some(base) => merge(base, app),
                    None => {
                        out.applications.insert(name.clone(), app.clone());
                    }
                },
            }
        }
        out.saas.extend(file.saas.clone());
        for pair in &file.relations {
            let [a, b] = pair.as_slice() else {
                return Err(format!("relation {pair:?} is not a pair of endpoints"));
            };
            let relation = (End::parse(a), End::parse(b));
            let reversed = (relation.1.clone(), relation.0.clone());
            if !out.relations.contains(&relation) && !out.relations.contains(&reversed) {
                out.relations.push(relation);
            }
        }
    }
    Ok(out)
}

fn merge(base: &mut Application, over: &Application) {
    fn replace<T: Clone>(base: &mut Option<T>, over: &Option<T>) {
        if over.is_some() {
            base.clone_from(over);
        }
    }
    replace(&mut base.charm, &over.charm);
    replace(&mut base.channel, &over.channel);
    replace(&mut base.revision, &over.revision);
    replace(&mut base.base, &over.base);
    replace(&mut base.scale, &over.scale);
    replace(&mut base.num_units, &over.num_units);
    replace(&mut base.trust, &over.trust);
    replace(&mut base.constraints, &over.constraints);
    base.options.extend(over.options.clone());
    base.resources.extend(over.resources.clone());
    base.storage.extend(over.storage.clone());
    base.annotations.extend(over.annotations.clone());
    base.offers.extend(over.offers.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> BundleFile {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    #[test]
    fn overlays_merge_options_and_removal_drops_relations() {
        let base = parse(
            "bundle: kubernetes\napplications:\n  a: {charm: a, scale: 3, options: {x: 1}}\n  b: {charm: b}\n\
             relations:\n- [a:db, b:db]\n",
        );
        let over = parse("applications:\n  a: {options: {y: 2}}\n  b:\n");
        let d = deployment(&base, &[&over]).unwrap();
        assert_eq!(d.applications["a"].options.len(), 2);
        assert_eq!(d.applications["a"].scale, Some(3));
        assert!(d.relations.is_empty() && !d.applications.contains_key("b"));
        assert!(serde_yaml_ng::from_str::<BundleFile>("applications: {a: {charm: a, units: 3}}").is_err());
        let saas = Saas {
            url: "ctl:admin/cos.prometheus-scrape".into(),
        };
        assert_eq!(saas.offer(), Some("prometheus-scrape"));
    }
}
