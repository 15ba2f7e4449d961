//! Broker capacities for Cruise Control's capacity file.
//!
//! Cruise Control needs every broker's CPU cores, disk size per log directory (JBOD) and
//! network bandwidth (`BrokerCapacityConfigFileResolver`: `DISK` in MB, `NW_IN`/`NW_OUT` in
//! KB/s, `CPU` as `num.cores`). Each broker unit measures its own cores and disks in its
//! container (`nproc --all`, `df -k --output=size`, as the Python charm does) and publishes
//! them as JSON in its peer bag under [`UNIT_CAPACITY`]; the bandwidth is the operator's
//! `network-bandwidth` option. The Python charm put `df`'s KB figure under `DISK`, which
//! Cruise Control reads as MB; here it is converted.

use std::collections::BTreeMap;

use charm_sdk::pebble::{ExecRequest, Pebble};
use charm_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::workload::env::WORKLOAD_USER;

/// Peer unit key: this broker's measured capacity (JSON of [`UnitCapacity`]).
pub const UNIT_CAPACITY: &str = "balancer-capacity";

/// What one broker unit measured about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCapacity {
    /// CPU cores.
    pub cores: u32,
    /// Size in MB of the volume holding each log directory, by log directory.
    pub disks_mb: BTreeMap<String, u64>,
    /// Its `broker.rack`, if the operator set one (the balancer counts distinct racks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
}

impl UnitCapacity {
    /// The peer bag value.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From a peer bag value; `None` when absent or malformed.
    pub fn decode(text: &str) -> Option<UnitCapacity> {
        serde_json::from_str(text)
            .ok()
            .filter(|c: &UnitCapacity| c.cores > 0 && !c.disks_mb.is_empty())
    }
}

/// One broker's entry of the capacity file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerCapacity {
    /// Kafka's broker id (`broker.id`, or `node.id` in KRaft mode).
    pub broker_id: u32,
    /// What it measured.
    pub capacity: UnitCapacity,
}

/// `broker-capacities` on `peer-cluster-orchestrator`: the Python charm's shape
/// (`{"brokerCapacities": [{"brokerId", "capacity": {"DISK", "CPU": {"num.cores"}, "NW_IN",
/// "NW_OUT"}, "doc": ""}]}`, every value a string, highest broker id first, as
/// `core/cluster.py` `broker_capacities` sorts them). `DISK` is in MB, what Cruise Control reads.
pub fn wire_capacities(capacities: &[BrokerCapacity], network_bandwidth_kb: i64) -> String {
    let mut brokers = capacities.to_vec();
    brokers.sort_by_key(|b| std::cmp::Reverse(b.broker_id));
    let bandwidth = network_bandwidth_kb.to_string();
    let entries: Vec<serde_json::Value> = brokers
        .iter()
        .map(|b| {
            let disk: serde_json::Map<String, serde_json::Value> = b
                .capacity
                .disks_mb
                .iter()
                .map(|(dir, mb)| (dir.clone(), serde_json::Value::String(mb.to_string())))
                .collect();
            serde_json::json!({
                "brokerId": b.broker_id.to_string(),
                "capacity": {
                    "DISK": disk,
                    "CPU": {"num.cores": b.capacity.cores.to_string()},
                    "NW_IN": bandwidth,
                    "NW_OUT": bandwidth,
                },
                "doc": "",
            })
        })
        .collect();
    serde_json::json!({ "brokerCapacities": entries }).to_string()
}

/// What a balancer application received in `broker-capacities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireCapacities {
    /// Every broker's capacity.
    pub brokers: Vec<BrokerCapacity>,
    /// The brokers' `NW_IN` (KB/s), when every entry gives the same number.
    pub network_bandwidth_kb: Option<i64>,
}

/// Reads `broker-capacities` (either side's: numbers may be JSON numbers or strings).
/// `None` when it is not that shape or lists no broker.
pub fn parse_wire_capacities(text: &str) -> Option<WireCapacities> {
    fn number(v: &serde_json::Value) -> Option<u64> {
        match v {
            serde_json::Value::String(s) => s.trim().parse().ok(),
            serde_json::Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut brokers = Vec::new();
    let mut bandwidths = std::collections::BTreeSet::new();
    for entry in value.get("brokerCapacities")?.as_array()? {
        let broker_id = u32::try_from(number(entry.get("brokerId")?)?).ok()?;
        let capacity = entry.get("capacity")?;
        let cores = u32::try_from(number(capacity.get("CPU")?.get("num.cores")?)?).ok()?;
        let disks_mb: BTreeMap<String, u64> = capacity
            .get("DISK")?
            .as_object()?
            .iter()
            .map(|(dir, size)| Some((dir.clone(), number(size)?)))
            .collect::<Option<_>>()?;
        // The same checks as a peer bag value (cores > 0, some disk).
        let unit = UnitCapacity::decode(
            &UnitCapacity {
                cores,
                disks_mb,
                rack: None,
            }
            .encode(),
        )?;
        if let Some(nw) = capacity.get("NW_IN").and_then(number) {
            bandwidths.insert(nw);
        }
        brokers.push(BrokerCapacity {
            broker_id,
            capacity: unit,
        });
    }
    if brokers.is_empty() {
        return None;
    }
    brokers.sort_by_key(|b| b.broker_id);
    let network_bandwidth_kb = match (bandwidths.len(), bandwidths.first()) {
        (1, Some(nw)) => i64::try_from(*nw).ok(),
        _ => None,
    };
    Some(WireCapacities {
        brokers,
        network_bandwidth_kb,
    })
}

/// Measures this unit: `nproc --all` and, for each `(log dir, mount)`, `df -k --output=size
/// <mount>` in the workload container. `Ok(None)` when a command is missing or answers
/// something unexpected (the balancer then waits for this broker).
pub fn probe(pebble: &dyn Pebble, dirs: &[(String, String)]) -> Result<Option<UnitCapacity>, Error> {
    let Some(cores) = run(pebble, &["nproc", "--all"])?.and_then(|out| parse_nproc(&out)) else {
        return Ok(None);
    };
    let mut disks_mb = BTreeMap::new();
    for (log_dir, mount) in dirs {
        let Some(kb) = run(pebble, &["df", "-k", "--output=size", mount])?.and_then(|out| parse_df_kb(&out)) else {
            return Ok(None);
        };
        disks_mb.insert(log_dir.clone(), kb / 1024);
    }
    Ok(Some(UnitCapacity {
        cores,
        disks_mb,
        rack: None,
    })
    .filter(|c| !c.disks_mb.is_empty()))
}

fn run(pebble: &dyn Pebble, argv: &[&str]) -> Result<Option<String>, Error> {
    let request = ExecRequest::new(argv.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        .user(WORKLOAD_USER)
        .timeout(std::time::Duration::from_secs(20));
    match pebble.exec(&request) {
        Ok(out) if out.exit_code == 0 => Ok(Some(out.stdout_text())),
        Ok(_) => Ok(None),
        Err(e) if e.is_connection() => Err(e.into()),
        Err(_) => Ok(None),
    }
}

/// `nproc` prints one positive number.
pub fn parse_nproc(text: &str) -> Option<u32> {
    text.trim().parse().ok().filter(|n| *n > 0)
}

/// `df -k --output=size <path>` prints a header line (`1K-blocks`) and the size in KB.
pub fn parse_df_kb(text: &str) -> Option<u64> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let header = lines.next()?;
    if header.parse::<u64>().is_ok() {
        return None;
    }
    lines.next()?.parse().ok()
}

/// The broker ids of a rendered capacity file (the brokers Cruise Control knows).
pub fn broker_ids(capacity_file: &str) -> Vec<u32> {
    let value: serde_json::Value = serde_json::from_str(capacity_file).unwrap_or_default();
    let mut ids: Vec<u32> = value["brokerCapacities"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["brokerId"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_outputs_parse_or_refuse() {
        assert_eq!(parse_nproc("8\n"), Some(8));
        assert_eq!(parse_nproc("0\n"), None);
        assert_eq!(parse_nproc("eight"), None);
        assert_eq!(parse_df_kb("1K-blocks\n 10255636\n"), Some(10_255_636));
        assert_eq!(parse_df_kb("10255636\n"), None);
        assert_eq!(parse_df_kb("1K-blocks\n"), None);
    }

    #[test]
    fn broker_ids_come_from_the_capacity_file() {
        let file = r#"{"brokerCapacities":[{"brokerId":"2"},{"brokerId":"0"},{"brokerId":"x"}]}"#;
        assert_eq!(broker_ids(file), [0, 2]);
        assert!(broker_ids("not json").is_empty());
    }

    #[test]
    fn wire_capacities_round_trip_and_read_the_python_shape() {
        let broker = |id: u32| BrokerCapacity {
            broker_id: id,
            capacity: UnitCapacity {
                cores: 2,
                disks_mb: [("/var/lib/kafka/data/0".to_owned(), 10_015)].into(),
                rack: None,
            },
        };
        let text = wire_capacities(&[broker(100), broker(101)], 50_000);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["brokerCapacities"][0]["brokerId"], "101", "highest id first");
        assert_eq!(value["brokerCapacities"][0]["capacity"]["CPU"]["num.cores"], "2");
        assert_eq!(value["brokerCapacities"][0]["doc"], "");
        let back = parse_wire_capacities(&text).unwrap();
        assert_eq!(back.brokers, [broker(100), broker(101)]);
        assert_eq!(back.network_bandwidth_kb, Some(50_000));
        // Python's json.dumps spacing, as upstream writes it.
        let python = r#"{"brokerCapacities": [{"brokerId": "100", "capacity": {"DISK": {"/var/lib/kafka/data/0": "10015"}, "CPU": {"num.cores": "2"}, "NW_IN": "50000", "NW_OUT": "50000"}, "doc": ""}]}"#;
        assert_eq!(parse_wire_capacities(python).unwrap().brokers, [broker(100)]);
        assert_eq!(parse_wire_capacities(r#"{"brokerCapacities": []}"#), None);
        assert_eq!(parse_wire_capacities("{}"), None);
        assert_eq!(
            parse_wire_capacities(r#"{"brokerCapacities": [{"brokerId": "x"}]}"#),
            None
        );
    }

    #[test]
    fn peer_bag_value_round_trips_and_rejects_empty() {
        let c = UnitCapacity {
            cores: 4,
            disks_mb: [("/var/lib/kafka/data/0".to_owned(), 10_015)].into(),
            rack: Some("zone-a".to_owned()),
        };
        assert_eq!(UnitCapacity::decode(&c.encode()), Some(c));
        assert_eq!(UnitCapacity::decode(r#"{"cores":4,"disks_mb":{}}"#), None);
        assert_eq!(UnitCapacity::decode("nope"), None);
    }
}
