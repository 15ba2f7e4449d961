//! Dynamic reconfiguration: reading `/zookeeper/config` and incremental `reconfig`.
//!
//! The ZooKeeper charm grows the ensemble one unit at a time (the joiner starts as an observer,
//! then the leader adds it with `reconfig -add`) and removes departing units with
//! `reconfig -remove`. Passing `from_version` makes the change conditional on the configuration
//! the caller looked at, so two leaders racing cannot both apply a stale plan. Reconfig needs the
//! super user and `reconfigEnabled=true`.

use crate::{Admin, EnsembleConfig, Error, ServerLine};

/// ZooKeeper's own configuration node.
const CONFIG_NODE: &str = "/zookeeper/config";

impl Admin {
    /// The current ensemble configuration.
    pub fn config(&self) -> Result<EnsembleConfig, Error> {
        let (data, _) = self.call("get_config", CONFIG_NODE, |c, _| async move { c.get_config().await })?;
        EnsembleConfig::parse(&String::from_utf8_lossy(&data))
    }

    /// Adds `joining` servers (full `server.N=...` lines) and removes the `leaving` ids in one
    /// incremental reconfig, optionally only if the configuration is still at `from_version`.
    /// Returns the configuration ZooKeeper committed.
    pub fn reconfig(
        &self,
        joining: &[String],
        leaving: &[u32],
        from_version: Option<i64>,
    ) -> Result<EnsembleConfig, Error> {
        if joining.is_empty() && leaving.is_empty() {
            return Err(Error::InvalidArgument(
                "reconfig needs at least one joining or leaving server".into(),
            ));
        }
        let joining = joining
            .iter()
            .map(|line| ServerLine::parse(line).map(|server| server.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let leaving: Vec<String> = leaving.iter().map(u32::to_string).collect();
        let (data, _) = self.call("reconfig", CONFIG_NODE, move |c, _| async move {
            let as_str: fn(&String) -> &str = String::as_str;
            let update = zookeeper_client::EnsembleUpdate::Incremental {
                joinings: joining.iter().map(as_str),
                leavings: leaving.iter().map(as_str),
            };
            c.update_ensemble(update, from_version).await
        })?;
        EnsembleConfig::parse(&String::from_utf8_lossy(&data))
    }
}
