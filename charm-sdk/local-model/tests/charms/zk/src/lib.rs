//! A ZooKeeper ensemble charm for the local model's end-to-end test.
//!
//! Every unit writes `zoo.cfg` with one `server.N` line per unit (addresses from the peer
//! relation's Juju-written `ingress-address`), its `myid`, and a Pebble layer running
//! `zkServer.sh start-foreground`; it starts the server once all planned units are known
//! and restarts it when the configuration changes.

use charm_sdk::model::pebble::Layer;
use charm_sdk::pebble::ensure::{ensure_file, ensure_layer};
use charm_sdk::pebble::PushOptions;
use charm_sdk::prelude::*;

/// The charm.
#[derive(Debug)]
pub struct Zk;

const LAYER: &str = r#"summary: zookeeper
services:
  zookeeper:
    override: replace
    command: /opt/zookeeper/bin/zkServer.sh --config /etc/zookeeper start-foreground
    startup: enabled
"#;

impl Charm for Zk {
    const CHARMCRAFT: &'static str = include_str!("../charmcraft.yaml");
    type Config = serde_json::Value;
    type Action = NoActions;

    fn new() -> Self {
        Zk
    }

    fn reconcile(&self, ctx: &mut Context<'_, Self>) -> Result<(), Stop> {
        let cluster = ctx.relation("cluster")?.or_waiting("waiting for the peer relation")?;
        let me = ctx.unit().clone();
        let mut servers = vec![(me.number(), ctx.ingress_address("cluster")?.or_waiting("no address")?)];
        for peer in ctx.remote_units(&cluster)? {
            let bag = ctx.unit_data(&cluster, &peer)?;
            let address = bag
                .get("ingress-address")
                .cloned()
                .or_waiting("waiting for peer addresses")?;
            servers.push((peer.number(), address));
        }
        let planned = ctx.goal_state()?.planned_units();
        if servers.len() < planned {
            return Err(Stop::waiting(format!("waiting for {} peers", planned - servers.len())));
        }
        servers.sort();
        let own = servers
            .iter()
            .find(|(n, _)| *n == me.number())
            .map(|(_, a)| a.clone())
            .unwrap_or_default();
        let mut cfg = format!(
            "tickTime=500\ninitLimit=20\nsyncLimit=10\ndataDir=/var/lib/zookeeper\nclientPort=2181\n\
             clientPortAddress={own}\nadmin.enableServer=false\n4lw.commands.whitelist=srvr,ruok\n"
        );
        for (n, address) in &servers {
            cfg.push_str(&format!("server.{}={address}:2888:3888\n", n + 1));
        }
        let zk = ctx.container("zookeeper")?;
        let options = PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        };
        let wrote_cfg = ensure_file(zk.as_ref(), "/etc/zookeeper/zoo.cfg", cfg.as_bytes(), &options)?;
        let wrote_id = ensure_file(
            zk.as_ref(),
            "/var/lib/zookeeper/myid",
            format!("{}\n", me.number() + 1).as_bytes(),
            &options,
        )?;
        let layer = Layer::from_yaml(LAYER).map_err(|e| Error::msg(e.to_string()))?;
        let added = ensure_layer(zk.as_ref(), "zookeeper", &layer)?;
        if (wrote_cfg || wrote_id) && !added {
            zk.restart_services(&["zookeeper"])?;
        }
        drop(zk);
        ctx.add_status(Status::active(format!("{} servers", servers.len())));
        Ok(())
    }
}
