//! Layers, the plan, and the order services start and stop in.
//!
//! Combination and validation are `juju_model::pebble`'s (shared with the SDK and the test
//! fake); this file adds what only a running Pebble needs: `POST /v1/layers` with its label
//! rules (`layer "x" already exists`, combine into an existing label or append), and
//! `Plan.StartOrder`/`StopOrder` from `internals/plan/plan.go` — the services to act on
//! (`requires` pulled in, or dependants for stop), sorted so `after`/`before` hold, in lanes
//! of related services.

use std::collections::{BTreeMap, BTreeSet};

use juju_model::pebble::{combine_layers, Layer, Plan, Service};

/// Adds a layer like Pebble's `AppendLayer`/`CombineLayer`; returns the new layers and plan.
pub(crate) fn add_layer(
    layers: &[(String, Layer)],
    label: &str,
    layer: &Layer,
    combine: bool,
) -> Result<(Vec<(String, Layer)>, Plan), String> {
    let mut layers = layers.to_vec();
    match layers.iter().position(|(l, _)| l == label) {
        Some(_) if !combine => return Err(format!("layer {label:?} already exists")),
        Some(i) => {
            let combined = combine_layers([(label, &layers[i].1), (label, layer)]).map_err(|e| e.to_string())?;
            layers[i].1 = combined;
        }
        None => layers.push((label.to_owned(), layer.clone())),
    }
    let plan = plan_of(&layers)?;
    Ok((layers, plan))
}

/// The combined, validated plan of `layers`.
pub(crate) fn plan_of(layers: &[(String, Layer)]) -> Result<Plan, String> {
    Plan::from_layers(layers.iter().map(|(l, layer)| (l.as_str(), layer))).map_err(|e| e.to_string())
}

/// Services to start for `names` (with what they require), in lanes, each lane in order.
pub(crate) fn start_order(plan: &Plan, names: &[String]) -> Result<Vec<Vec<String>>, String> {
    lanes(&order(&plan.services, names, false)?, &plan.services)
}

/// Services to stop for `names` (with what requires them), in lanes, each lane in order.
pub(crate) fn stop_order(plan: &Plan, names: &[String]) -> Result<Vec<Vec<String>>, String> {
    lanes(&order(&plan.services, names, true)?, &plan.services)
}

fn missing(name: &str) -> String {
    format!("service {name:?} does not exist")
}

/// Pebble's `order`: collect the closure, then sort so that every service comes after the
/// ones it must follow (a before/after loop is an error).
fn order(services: &BTreeMap<String, Service>, names: &[String], stop: bool) -> Result<Vec<String>, String> {
    let mut predecessors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if stop {
        for (name, service) in services {
            for required in &service.requires {
                predecessors.entry(required.as_str()).or_default().push(name.as_str());
            }
        }
    }
    let mut successors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pending: Vec<String> = names.to_vec();
    let mut i = 0;
    while i < pending.len() {
        let name = pending[i].clone();
        i += 1;
        if successors.contains_key(&name) {
            continue;
        }
        successors.insert(name.clone(), Vec::new());
        if stop {
            pending.extend(
                predecessors
                    .get(name.as_str())
                    .into_iter()
                    .flatten()
                    .map(|s| (*s).to_owned()),
            );
        } else {
            let service = services.get(&name).ok_or_else(|| missing(&name))?;
            pending.extend(service.requires.iter().cloned());
        }
    }
    let members: BTreeSet<String> = successors.keys().cloned().collect();
    for name in &members {
        let service = services.get(name).ok_or_else(|| missing(name))?;
        let (after, before) = if stop {
            (&service.before, &service.after)
        } else {
            (&service.after, &service.before)
        };
        for a in after.iter().filter(|a| members.contains(*a)) {
            successors.entry(name.clone()).or_default().push(a.clone());
        }
        for b in before.iter().filter(|b| members.contains(*b)) {
            successors.entry(b.clone()).or_default().push(name.clone());
        }
    }
    let mut out = Vec::new();
    for component in tarjan(&successors) {
        if component.len() > 1 {
            return Err(format!("services in before/after loop: {}", component.join(", ")));
        }
        out.extend(component);
    }
    Ok(out)
}

/// Tarjan's strongly connected components; a component is emitted after everything it
/// points to (so "must come after" targets come first).
fn tarjan(graph: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, Vec<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let i = self.index.len();
            self.index.insert(node, i);
            self.low.insert(node, i);
            self.stack.push(node);
            self.on_stack.insert(node);
            let graph = self.graph;
            for next in graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                component.sort();
                self.out.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.out
}

/// Pebble's `createLanes`: a service shares a lane with what it requires.
fn lanes(names: &[String], services: &BTreeMap<String, Service>) -> Result<Vec<Vec<String>>, String> {
    let mut lane_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut current: isize = -1;
    let mut max_lane = 0usize;
    for name in names {
        let service = services.get(name).ok_or_else(|| missing(name))?;
        let lane = if let Some(lane) = lane_of.get(name).copied() {
            lane
        } else if let Some(lane) = service.requires.iter().find_map(|r| lane_of.get(r).copied()) {
            lane
        } else {
            current += 1;
            current.max(0) as usize
        };
        lane_of.insert(name.clone(), lane);
        for required in &service.requires {
            lane_of.insert(required.clone(), lane);
        }
        max_lane = max_lane.max(lane);
    }
    let mut out = vec![Vec::new(); if names.is_empty() { 0 } else { max_lane + 1 }];
    for name in names {
        if let Some(lane) = lane_of.get(name) {
            out[*lane].push(name.clone());
        }
    }
    out.retain(|lane| !lane.is_empty());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(yaml: &str) -> Plan {
        plan_of(&[("base".into(), Layer::from_yaml(yaml).unwrap())]).unwrap()
    }

    #[test]
    fn start_and_stop_orders() {
        let p = plan(
            r#"
services:
  db: {override: replace, command: sleep 1}
  app: {override: replace, command: sleep 1, requires: [db], after: [db]}
  other: {override: replace, command: sleep 1}
"#,
        );
        assert_eq!(start_order(&p, &["app".into()]).unwrap(), vec![vec!["db", "app"]]);
        assert_eq!(stop_order(&p, &["db".into()]).unwrap(), vec![vec!["app", "db"]]);
        let all = start_order(&p, &["other".into(), "app".into()]).unwrap();
        assert_eq!(all.concat().len(), 3);
        assert_eq!(
            start_order(&p, &["nope".into()]).unwrap_err(),
            r#"service "nope" does not exist"#
        );
    }

    #[test]
    fn label_rules() {
        let layer = Layer::from_yaml("services: {a: {override: replace, command: x}}").unwrap();
        let (layers, _) = add_layer(&[], "l", &layer, false).unwrap();
        assert_eq!(
            add_layer(&layers, "l", &layer, false).unwrap_err(),
            r#"layer "l" already exists"#
        );
        let (combined, _) = add_layer(&layers, "l", &layer, true).unwrap();
        assert_eq!(combined.len(), 1);
    }
}
