//! Watching the quorum while the ensemble changes: is there a leader, and for how long was
//! there none?
//!
//! A membership change done right (one server at a time, by `reconfig`) keeps the leader; a
//! wrong one costs an election or the quorum. The monitor asks every server `mntr` every
//! 200 ms and records the longest stretch with no server answering as leader.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::zk;

/// What the monitor saw.
#[derive(Debug, Default, Clone)]
pub struct Quorum {
    /// Rounds of `mntr` to every server.
    pub rounds: u64,
    /// Rounds in which some server answered as leader.
    pub with_leader: u64,
    /// The longest time between two rounds that saw a leader.
    pub longest_without_leader: Duration,
    /// Distinct leaders seen, in order.
    pub leaders: Vec<String>,
}

/// A monitor thread over a list of addresses the test may extend.
pub struct Monitor {
    addresses: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Quorum>,
}

impl Monitor {
    /// Starts watching `addresses`.
    pub fn start(addresses: Vec<String>) -> Monitor {
        let addresses = Arc::new(Mutex::new(addresses));
        let stop = Arc::new(AtomicBool::new(false));
        let (list, flag) = (Arc::clone(&addresses), Arc::clone(&stop));
        let handle = std::thread::spawn(move || watch(&list, &flag));
        Monitor {
            addresses,
            stop,
            handle,
        }
    }

    /// Adds servers to watch (units that joined).
    pub fn watch_also(&self, more: &[String]) {
        let mut list = self.addresses.lock().expect("monitor list");
        for a in more {
            if !list.contains(a) {
                list.push(a.clone());
            }
        }
    }

    /// Stops and returns what was seen.
    pub fn stop(self) -> Quorum {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("the monitor thread panicked")
    }
}

fn watch(addresses: &Mutex<Vec<String>>, stop: &AtomicBool) -> Quorum {
    let mut seen = Quorum::default();
    let mut last_leader = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let list = addresses.lock().map(|l| l.clone()).unwrap_or_default();
        let leader = list.iter().find(|a| zk::role(a).as_deref() == Some("leader")).cloned();
        seen.rounds += 1;
        let now = Instant::now();
        match leader {
            Some(address) => {
                seen.with_leader += 1;
                seen.longest_without_leader = seen.longest_without_leader.max(now - last_leader);
                last_leader = now;
                if seen.leaders.last() != Some(&address) {
                    seen.leaders.push(address);
                }
            }
            None => seen.longest_without_leader = seen.longest_without_leader.max(now - last_leader),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    seen
}
