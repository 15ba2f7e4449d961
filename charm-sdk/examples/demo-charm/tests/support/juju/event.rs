//! The `JUJU_*` variables of each kind of event, as Juju exports them to a charm process
//! (juju-contract.md §1.2–1.3): hooks, actions, relation, Pebble, secret and storage hooks.

/// The `JUJU_*` variables of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    vars: Vec<(String, String)>,
}

impl Event {
    /// A hook: `JUJU_DISPATCH_PATH=hooks/<name>`, `JUJU_HOOK_NAME=<name>`.
    pub(crate) fn hook(name: &str) -> Self {
        Self { vars: vec![] }
            .with("JUJU_DISPATCH_PATH", &format!("hooks/{name}"))
            .with("JUJU_HOOK_NAME", name)
    }

    /// An action: `actions/<name>`, an empty `JUJU_HOOK_NAME`, and the action's id and tag.
    pub(crate) fn action(name: &str, id: u32) -> Self {
        Self { vars: vec![] }
            .with("JUJU_DISPATCH_PATH", &format!("actions/{name}"))
            .with("JUJU_HOOK_NAME", "")
            .with("JUJU_ACTION_NAME", name)
            .with("JUJU_ACTION_UUID", &id.to_string())
            .with("JUJU_ACTION_TAG", &format!("action-{id}"))
    }

    /// `<endpoint>-relation-<kind>` with the relation variables; `JUJU_REMOTE_UNIT` is
    /// exported empty, as on -created, -broken and app-only -changed (see `remote_unit`).
    pub(crate) fn relation(endpoint: &str, id: u32, kind: &str, remote_app: &str) -> Self {
        Self::hook(&format!("{endpoint}-relation-{kind}"))
            .with("JUJU_RELATION", endpoint)
            .with("JUJU_RELATION_ID", &format!("{endpoint}:{id}"))
            .with("JUJU_REMOTE_APP", remote_app)
            .with("JUJU_REMOTE_UNIT", "")
    }

    /// Sets `JUJU_REMOTE_UNIT`.
    pub(crate) fn remote_unit(self, unit: &str) -> Self {
        self.with("JUJU_REMOTE_UNIT", unit)
    }

    /// Sets `JUJU_DEPARTING_UNIT` (relation-departed).
    pub(crate) fn departing(self, unit: &str) -> Self {
        self.with("JUJU_DEPARTING_UNIT", unit)
    }

    /// `<container>-pebble-<kind>` with `JUJU_WORKLOAD_NAME`.
    pub(crate) fn pebble(container: &str, kind: &str) -> Self {
        Self::hook(&format!("{container}-pebble-{kind}")).with("JUJU_WORKLOAD_NAME", container)
    }

    /// `secret-<kind>` with the secret variables (`JUJU_SECRET_REVISION` only when given).
    pub(crate) fn secret(kind: &str, uri: &str, label: &str, revision: Option<u64>) -> Self {
        let event = Self::hook(&format!("secret-{kind}"))
            .with("JUJU_SECRET_ID", uri)
            .with("JUJU_SECRET_LABEL", label);
        match revision {
            Some(revision) => event.with("JUJU_SECRET_REVISION", &revision.to_string()),
            None => event,
        }
    }

    /// `<name>-storage-<kind>` for instance `<name>/<index>` mounted at `location`.
    pub(crate) fn storage(name: &str, kind: &str, index: u32, location: &str) -> Self {
        Self::hook(&format!("{name}-storage-{kind}"))
            .with("JUJU_STORAGE_ID", &format!("{name}/{index}"))
            .with("JUJU_STORAGE_LOCATION", location)
            .with("JUJU_STORAGE_KIND", "filesystem")
    }

    /// Sets (or replaces) one variable.
    pub(crate) fn with(mut self, name: &str, value: &str) -> Self {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The variables, in the order they were set.
    pub(crate) fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    /// The dispatch path (for messages).
    pub(crate) fn dispatch_path(&self) -> &str {
        self.vars
            .iter()
            .find(|(k, _)| k == "JUJU_DISPATCH_PATH")
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}
