//! The `rebalance` protocol against a small in-test HTTP server that replays answers shaped
//! exactly as Cruise Control 2.5.141's source writes them (`servlet/response/*.java`,
//! `OptimizerResult.getProposalSummaryForJson`, `UserTaskManager.UserTaskInfo`,
//! `ProgressResult`, `ResponseUtils.ErrorResponse`).
//!
//! This stand-in exists only because Cruise Control itself cannot run here: it needs a Kafka
//! broker and is built from Maven Central, and neither is reachable from this machine. What
//! it checks is the client side: requests (method, path, parameters, basic auth,
//! `User-Task-ID`), HTTP decoding (chunked and sized bodies), the 202 → 200 polling, following
//! an execution on `user_tasks`, refusals, and the cleaned results.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use kafka_k8s::balancer::client::CruiseControlClient;
use kafka_k8s::balancer::rebalance::{self, Mode, Polling, Request};
use kafka_k8s::balancer::response::clean;
use kafka_k8s::error::Error;
use kafka_k8s::workload::Secret;

/// One request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    authorization: Option<String>,
    user_task_id: Option<String>,
}

/// An answer: status, extra headers, body, chunked or not.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    chunked: bool,
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_owned(),
        chunked: false,
    }
}

type Script = Box<dyn FnMut(&Seen, usize) -> Answer + Send>;

/// Serves `script` on loopback until the test ends; returns the port and the requests seen.
fn serve(mut script: Script) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut raw = Vec::new();
            let mut buf = [0u8; 1024];
            while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&raw).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next().unwrap_or_default().split(' ');
            let header = |name: &str| {
                head.split("\r\n")
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            };
            let request = Seen {
                method: first.next().unwrap_or_default().to_owned(),
                target: first.next().unwrap_or_default().to_owned(),
                authorization: header("authorization"),
                user_task_id: header("user-task-id"),
            };
            let index = {
                let mut log = log.lock().unwrap();
                log.push(request.clone());
                log.len() - 1
            };
            let a = script(&request, index);
            let reason = match a.status {
                200 => "OK",
                202 => "Accepted",
                _ => "Error",
            };
            let mut out = format!("HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\n", a.status);
            for (k, v) in &a.headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            if a.chunked {
                out.push_str("Transfer-Encoding: chunked\r\n\r\n");
                for chunk in a.body.as_bytes().chunks(50) {
                    out.push_str(&format!("{:x}\r\n{}\r\n", chunk.len(), String::from_utf8_lossy(chunk)));
                }
                out.push_str("0\r\n\r\n");
            } else {
                out.push_str(&format!("Content-Length: {}\r\n\r\n{}", a.body.len(), a.body));
            }
            let _ = stream.write_all(out.as_bytes());
        }
    });
    (port, seen)
}

fn client(port: u16) -> CruiseControlClient {
    CruiseControlClient {
        host: "127.0.0.1".into(),
        port,
        username: "balancer".into(),
        password: Secret::new("balancerpw"),
        timeout: Duration::from_secs(5),
    }
}

const FAST: Polling = Polling {
    interval: Duration::from_millis(10),
    limit: Duration::from_secs(10),
};

/// `GET state` (`CruiseControlState`: `LoadMonitorState`, `ExecutorState`, ...).
fn state(monitor: &str, windows: u32, executor: &str) -> String {
    format!(
        r#"{{"MonitorState":{{"trainingPct":0.0,"trained":false,"numFlawedPartitions":0,"state":"{monitor}","numTotalPartitions":53,"numMonitoredWindows":{windows},"monitoringCoveragePct":100.0,"reasonOfLatestPauseOrResume":"N/A","numValidPartitions":53}},"ExecutorState":{{"state":"{executor}"}},"AnalyzerState":{{"isProposalReady":false,"readyGoals":[]}},"AnomalyDetectorState":{{"selfHealingEnabled":[],"selfHealingDisabled":["DISK_FAILURE","BROKER_FAILURE","GOAL_VIOLATION","METRIC_ANOMALY","TOPIC_ANOMALY","MAINTENANCE_EVENT"],"recentGoalViolations":[],"recentBrokerFailures":[],"recentMetricAnomalies":[],"recentDiskFailures":[],"recentTopicAnomalies":[],"recentMaintenanceEvents":[],"metrics":{{"meanTimeBetweenAnomaliesMs":{{}},"meanTimeToStartFixMs":0.0,"numSelfHealingStarted":0,"numSelfHealingFailedToStart":0,"ongoingAnomalyDurationMs":0}},"ongoingSelfHealingAnomaly":"None","balancednessScore":100.0}},"version":1}}"#
    )
}

/// `POST rebalance` (`OptimizationResult.getJsonString`, not verbose), with Gson's bare NaN.
const PROPOSAL: &str = r#"{"summary":{"numIntraBrokerReplicaMovements":0,"numReplicaMovements":14,"onDemandBalancednessScoreBefore":78.25,"intraBrokerDataToMoveMB":0,"monitoredPartitionsPercentage":100.0,"provisionRecommendation":"","excludedBrokersForReplicaMove":[],"excludedBrokersForLeadership":[],"provisionStatus":"RIGHT_SIZED","onDemandBalancednessScoreAfter":93.5,"numLeaderMovements":3,"recentWindows":5,"dataToMoveMB":212,"excludedTopics":[]},"goalSummary":[{"goal":"ReplicaCapacityGoal","status":"NO-ACTION","clusterModelStats":{"metadata":{"brokers":3,"replicas":159,"topics":4},"statistics":{"AVG":{"cpu":0.4,"networkOutbound":12.0,"networkInbound":10.0,"topicReplicas":13.25,"leaderReplicas":17.66,"disk":70.6,"potentialNwOut":36.0,"replicas":53.0},"STD":{"cpu":NaN,"networkOutbound":1.0,"networkInbound":0.5,"topicReplicas":0.5,"leaderReplicas":0.47,"disk":2.1,"potentialNwOut":1.0,"replicas":0.0},"MIN":{"cpu":0.3,"networkOutbound":11.0,"networkInbound":9.5,"topicReplicas":12,"leaderReplicas":17,"disk":68.0,"potentialNwOut":35.0,"replicas":53},"MAX":{"cpu":0.5,"networkOutbound":13.0,"networkInbound":10.5,"topicReplicas":14,"leaderReplicas":18,"disk":73.0,"potentialNwOut":37.0,"replicas":53}}},"optimizationTimeMs":12},{"goal":"ReplicaDistributionGoal","status":"FIXED","clusterModelStats":{"metadata":{"brokers":3,"replicas":159,"topics":4},"statistics":{}},"optimizationTimeMs":40}],"loadAfterOptimization":{"hosts":[{"FollowerNwInRate":5.0,"NwOutRate":12.0,"NumCore":4,"Host":"kafka-k8s-0.kafka-k8s-endpoints","CpuPct":0.4,"Replicas":53,"NetworkInCapacity":50000.0,"Rack":"kafka-k8s-0.kafka-k8s-endpoints","Leaders":18,"DiskCapacityMB":10015.0,"DiskMB":70.6,"PnwOutRate":36.0,"NetworkOutCapacity":50000.0,"LeaderNwInRate":5.0,"DiskPct":0.7}],"brokers":[{"FollowerNwInRate":5.0,"BrokerState":"ALIVE","Broker":0,"NwOutRate":12.0,"NumCore":4,"Host":"kafka-k8s-0.kafka-k8s-endpoints","CpuPct":0.4,"Replicas":53,"NetworkInCapacity":50000.0,"Rack":"kafka-k8s-0.kafka-k8s-endpoints","Leaders":18,"DiskCapacityMB":10015.0,"DiskMB":70.6,"PnwOutRate":36.0,"NetworkOutCapacity":50000.0,"LeaderNwInRate":5.0,"DiskPct":0.7},{"FollowerNwInRate":5.0,"BrokerState":"ALIVE","Broker":1,"NwOutRate":12.0,"NumCore":4,"Host":"kafka-k8s-1.kafka-k8s-endpoints","CpuPct":0.4,"Replicas":53,"NetworkInCapacity":50000.0,"Rack":"kafka-k8s-1.kafka-k8s-endpoints","Leaders":17,"DiskCapacityMB":10015.0,"DiskMB":70.6,"PnwOutRate":36.0,"NetworkOutCapacity":50000.0,"LeaderNwInRate":5.0,"DiskPct":0.7}]},"version":1}"#;

/// 202 while computing (`ProgressResult`, `OperationProgress`, `StepProgress`).
const PROGRESS: &str = r#"{"progress":[{"operation":"Rebalance","operationProgress":[{"step":"AGGREGATING_METRICS","description":"Retrieve the metrics of all the partitions from the metric sample aggregator.","time-in-ms":27,"completionPercentage":50.0}]}],"version":1}"#;

fn user_tasks(id: &str, status: &str) -> String {
    format!(
        r#"{{"userTasks":[{{"Status":"{status}","ClientIdentity":"127.0.0.1","RequestURL":"POST /kafkacruisecontrol/rebalance?dryrun=false&json=true","UserTaskId":"{id}","StartMs":"1700000000000"}}],"version":1}}"#
    )
}

const TASK: &str = "6e9e3f3c-5b0e-4d8a-9c55-1f2d3c4b5a69";

fn with_task(mut a: Answer) -> Answer {
    a.headers.push(("User-Task-ID", TASK.to_owned()));
    a
}

#[test]
fn a_dry_run_polls_while_computing_and_returns_the_cleaned_proposal() {
    let (port, seen) = serve(Box::new(|req, _| {
        if req.target.starts_with("/kafkacruisecontrol/state") {
            return answer(200, &state("RUNNING", 5, "NO_TASK_IN_PROGRESS"));
        }
        // First POST: still computing; the repeat with the task id gets the proposal (chunked).
        if req.user_task_id.is_none() {
            with_task(answer(202, PROGRESS))
        } else {
            let mut a = with_task(answer(200, PROPOSAL));
            a.chunked = true;
            a
        }
    }));
    let request = Request {
        mode: Mode::Full,
        dryrun: true,
        broker_id: None,
    };
    let value = rebalance::run(&client(port), request, FAST)
        .unwrap()
        .done()
        .expect("finished");
    let seen = seen.lock().unwrap().clone();
    let targets: Vec<(String, String)> = seen.iter().map(|s| (s.method.clone(), s.target.clone())).collect();
    assert_eq!(
        targets,
        [
            ("GET".into(), "/kafkacruisecontrol/state?verbose=true&json=true".into()),
            (
                "POST".into(),
                "/kafkacruisecontrol/rebalance?dryrun=true&json=true".into()
            ),
            (
                "POST".into(),
                "/kafkacruisecontrol/rebalance?dryrun=true&json=true".into()
            ),
        ]
    );
    assert_eq!(seen[1].user_task_id, None);
    assert_eq!(seen[2].user_task_id.as_deref(), Some(TASK));
    let basic = base64::engine::general_purpose::STANDARD.encode("balancer:balancerpw");
    assert!(seen
        .iter()
        .all(|s| s.authorization.as_deref() == Some(&format!("Basic {basic}"))));

    // The results, as the action sets them.
    let results = charm_sdk::ActionResults::from_serialize(&clean(&value)).unwrap();
    let r = results.pairs();
    assert_eq!(r["summary.numreplicamovements"], "14");
    assert_eq!(r["summary.datatomovemb"], "212");
    assert_eq!(r["summary.numleadermovements"], "3");
    assert_eq!(r["summary.ondemandbalancednessscorebefore"], "78.25");
    assert_eq!(r["summary.ondemandbalancednessscoreafter"], "93.5");
    assert_eq!(r["summary.provisionstatus"], "RIGHT_SIZED");
    assert_eq!(r["goalsummary.replicadistributiongoal.status"], "FIXED");
    assert_eq!(
        r["goalsummary.replicacapacitygoal.clustermodelstats.statistics.std.cpu"],
        "NaN"
    );
    assert_eq!(r["loadafteroptimization.brokers.1.leaders"], "17");
    assert_eq!(r["loadafteroptimization.brokers.0.brokerstate"], "ALIVE");
    assert_eq!(
        r["loadafteroptimization.hosts.kafka-k8s-0-kafka-k8s-endpoints.numcore"],
        "4"
    );
    assert_eq!(r["version"], "1");
}

#[test]
fn an_execution_is_followed_until_the_task_completed_and_the_executor_is_idle() {
    let state_calls = Arc::new(Mutex::new(0));
    let calls = Arc::clone(&state_calls);
    let tasks = Arc::new(Mutex::new(0));
    let task_polls = Arc::clone(&tasks);
    let (port, seen) = serve(Box::new(move |req, _| {
        if req.target.starts_with("/kafkacruisecontrol/state") {
            let mut n = calls.lock().unwrap();
            *n += 1;
            // Idle before the request; still executing at the first check after completion.
            let executor = if *n == 2 {
                "INTER_BROKER_REPLICA_MOVEMENT_TASK_IN_PROGRESS"
            } else {
                "NO_TASK_IN_PROGRESS"
            };
            return answer(200, &state("SAMPLING", 5, executor));
        }
        if req.target.starts_with("/kafkacruisecontrol/user_tasks") {
            let mut n = task_polls.lock().unwrap();
            *n += 1;
            let status = if *n == 1 { "InExecution" } else { "Completed" };
            return answer(200, &user_tasks(TASK, status));
        }
        with_task(answer(200, PROPOSAL))
    }));
    let request = rebalance::validate(Mode::Remove, false, Some(2), &[0, 1, 2]).unwrap();
    assert!(rebalance::run(&client(port), request, FAST).unwrap().done().is_some());
    let seen = seen.lock().unwrap().clone();
    let targets: Vec<String> = seen.iter().map(|s| format!("{} {}", s.method, s.target)).collect();
    assert_eq!(
        targets,
        [
            "GET /kafkacruisecontrol/state?verbose=true&json=true",
            "POST /kafkacruisecontrol/remove_broker?dryrun=false&brokerid=2&json=true",
            "GET /kafkacruisecontrol/user_tasks?json=true",
            "GET /kafkacruisecontrol/user_tasks?json=true",
            "GET /kafkacruisecontrol/state?verbose=true&json=true",
            "GET /kafkacruisecontrol/user_tasks?json=true",
            "GET /kafkacruisecontrol/state?verbose=true&json=true",
        ]
    );
}

#[test]
fn refusals_and_unready_states_fail_with_cruise_controls_message() {
    // An error answer (`ResponseUtils.ErrorResponse`).
    let (port, _) = serve(Box::new(|req, _| {
        if req.target.starts_with("/kafkacruisecontrol/state") {
            return answer(200, &state("RUNNING", 5, "NO_TASK_IN_PROGRESS"));
        }
        answer(
            500,
            r#"{"stackTrace":"java.lang.IllegalArgumentException: Broker 7 does not exist.\n\tat ...","errorMessage":"java.lang.IllegalArgumentException: Broker 7 does not exist.","version":1}"#,
        )
    }));
    let request = rebalance::validate(Mode::Add, true, Some(7), &[7]).unwrap();
    let err = rebalance::run(&client(port), request, FAST).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Refused { mode: "add", status: 500, message }
                if message == "java.lang.IllegalArgumentException: Broker 7 does not exist."
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("'add' rebalance failed with status code 500"));

    for (monitor, windows, executor, expected) in [
        ("BOOTSTRAPPING", 5, "NO_TASK_IN_PROGRESS", "not monitoring"),
        ("RUNNING", 5, "LEADER_MOVEMENT_TASK_IN_PROGRESS", "executing a task"),
        ("RUNNING", 0, "NO_TASK_IN_PROGRESS", "not collected enough metrics"),
    ] {
        let body = state(monitor, windows, executor);
        let (port, seen) = serve(Box::new(move |_, _| answer(200, &body)));
        let request = rebalance::validate(Mode::Full, true, None, &[]).unwrap();
        let err = rebalance::run(&client(port), request, FAST).unwrap_err();
        assert!(matches!(&err, Error::NotReady(m) if m.contains(expected)), "{err}");
        assert_eq!(seen.lock().unwrap().len(), 1, "no rebalance request when not ready");
    }
}

#[test]
fn nothing_listening_is_a_clear_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let request = rebalance::validate(Mode::Full, true, None, &[]).unwrap();
    let err = rebalance::run(&client(port), request, FAST).unwrap_err();
    assert!(
        err.to_string().contains("cannot reach Cruise Control at 127.0.0.1:"),
        "{err}"
    );
}

/// A short cap instead of the action's 30 minutes.
const CAPPED: Polling = Polling {
    interval: Duration::from_millis(20),
    limit: Duration::from_millis(300),
};

#[test]
fn past_the_wait_cap_the_action_returns_the_task_id_and_how_to_follow_it() {
    assert_eq!(Polling::default().limit, Duration::from_secs(30 * 60));
    // A proposal that never finishes computing.
    let (port, seen) = serve(Box::new(|req, _| {
        if req.target.starts_with("/kafkacruisecontrol/state") {
            return answer(200, &state("SAMPLING", 5, "NO_TASK_IN_PROGRESS"));
        }
        with_task(answer(202, PROGRESS))
    }));
    let request = rebalance::validate(Mode::Full, true, None, &[0, 1]).unwrap();
    let started = std::time::Instant::now();
    let outcome = rebalance::run(&client(port), request, CAPPED).unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "stopped at the cap: {took:?}");
    let message = outcome.follow_message().expect("still running");
    match &outcome {
        rebalance::Outcome::StillRunning {
            task,
            executing,
            waited,
        } => {
            assert_eq!(task, TASK);
            assert!(!executing);
            assert!(*waited <= Duration::from_secs(3), "{waited:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(message.contains("still computing the proposal"), "{message}");
    assert!(
        message.contains(&format!(
            "/kafkacruisecontrol/user_tasks?user_task_ids={TASK}&json=true"
        )),
        "{message}"
    );
    assert!(!message.contains("balancerpw"), "no password in the message");
    let polls = seen.lock().unwrap().iter().filter(|s| s.method == "POST").count();
    assert!((2..=16).contains(&polls), "{polls} polls in {took:?}");

    // An execution that never completes: same, once it is executing.
    let (port, _) = serve(Box::new(|req, _| {
        if req.target.starts_with("/kafkacruisecontrol/state") {
            return answer(200, &state("SAMPLING", 5, "NO_TASK_IN_PROGRESS"));
        }
        if req.target.starts_with("/kafkacruisecontrol/user_tasks") {
            return answer(200, &user_tasks(TASK, "InExecution"));
        }
        with_task(answer(200, PROPOSAL))
    }));
    let request = rebalance::validate(Mode::Full, false, None, &[0, 1]).unwrap();
    let outcome = rebalance::run(&client(port), request, CAPPED).unwrap();
    assert!(
        matches!(&outcome, rebalance::Outcome::StillRunning { task, executing: true, .. } if task == TASK),
        "{outcome:?}"
    );
    assert!(outcome
        .follow_message()
        .unwrap()
        .contains("still executing the rebalance"));
}
