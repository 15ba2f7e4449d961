"""Cruise Control next to the brokers (`roles=broker,balancer`) and the `rebalance` action.

One model, steps in order (a failed step skips the rest):

1. zookeeper-k8s x1, kafka-k8s x3 with `roles=broker,balancer` (ZooKeeper mode, Cruise
   Control on the leader) and data-integrator asking for a topic; everything settles active
   and the client produces and consumes, so that the brokers have load to sample.
2. `rebalance mode=full` (dry run, the default) on the leader: once Cruise Control has
   sampled enough metric windows, it answers with a summary of the proposal (replica and
   leader movements, data to move, balancedness before and after) and a status per goal, and
   being a dry run it moved nothing: the topic's replica assignment is unchanged.
3. Parameters are checked before Cruise Control is asked: `mode=add` without `brokerid` is
   refused naming it; `mode=remove brokerid=2 dryrun=true` answers a summary for taking
   broker 2 (kafka-k8s/2) out.

Cruise Control's REST API listens on the leader's loopback only, so the action is the only way
in. Its answers need enough metric windows (the testing profile's windows are short); until
then the action fails and is retried.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jubilant
import pytest

from helpers import (
    DATA_INTEGRATOR,
    DEPLOY_TIMEOUT,
    KAFKA,
    ZOOKEEPER,
    ContainerShell,
    action_section,
    eventually,
    run_action,
    units,
    wait_settled,
)
from kafka_helpers import KafkaTools, admin_user, assert_round_trip, kafka_credentials

pytestmark = pytest.mark.incremental

TOPIC = "itest-balance"
ROLES = "producer,consumer"
APPS = (ZOOKEEPER, KAFKA, DATA_INTEGRATOR)
# Cruise Control needs a few sampled windows before it proposes anything.
PROPOSAL_TIMEOUT = 30 * 60
SUMMARY_KEYS = (
    "numreplicamovements",
    "datatomovemb",
    "numleadermovements",
    "ondemandbalancednessscorebefore",
    "ondemandbalancednessscoreafter",
)
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


@pytest.fixture(scope="module")
def kafka_tools(juju: jubilant.Juju) -> Iterator[KafkaTools]:
    shell = ContainerShell(juju, f"{KAFKA}/0", container="kafka")
    yield KafkaTools(shell)
    shell.remove()


def rebalance(juju: jubilant.Juju, **params: object) -> dict:
    """`rebalance` on the leader; its results (Juju nests the dotted keys)."""
    return run_action(juju, f"{KAFKA}/leader", "rebalance", params)


def assert_proposal(results: dict) -> dict[str, str]:
    """The results carry Cruise Control's summary with numbers, and a status per goal."""
    summary = action_section(results, "summary")
    missing = [key for key in SUMMARY_KEYS if key not in summary]
    assert not missing, f"rebalance's summary lacks {missing} (summary: {summary}, keys: {sorted(results)})"
    for key in SUMMARY_KEYS:
        assert NUMBER.fullmatch(summary[key]), f"summary.{key} is {summary[key]!r}, not a number"
    goals = results.get("goalsummary")
    assert isinstance(goals, dict) and goals, f"rebalance returned no goalsummary (keys: {sorted(results)})"
    for goal, fields in goals.items():
        assert isinstance(fields, dict) and fields.get("status"), f"goal {goal} has no status: {fields}"
    return summary


def replica_assignment(tools: KafkaTools, scenario: SimpleNamespace) -> list[str]:
    """`Partition: ... Replicas: ...` of the client's topic, as the admin user sees it."""
    run = tools.describe_topic(scenario.admin, TOPIC)
    assert run.ok, f"admin could not describe {TOPIC}:\n{run.tail()}"
    found = re.findall(r"Partition:\s*\d+\s+Leader:\s*\d+\s+Replicas:\s*[\d,]+", run.output)
    assert found, f"no partitions of {TOPIC} described:\n{run.tail()}"
    # Leaders may move on their own (preferred leader election); replicas do not.
    return sorted(re.sub(r"Leader:\s*\d+\s+", "", line) for line in found)


def test_brokers_with_cruise_control_settle_and_serve_a_client(
    juju: jubilant.Juju,
    zookeeper_charm: Path,
    kafka_charm: Path,
    zookeeper_image: str,
    kafka_image: str,
    charmhub_channels: dict[str, str],
    kafka_tools: KafkaTools,
    scenario: SimpleNamespace,
) -> None:
    juju.deploy(zookeeper_charm, ZOOKEEPER, num_units=1, resources={"zookeeper-image": zookeeper_image})
    juju.deploy(
        kafka_charm,
        KAFKA,
        num_units=3,
        resources={"kafka-image": kafka_image},
        config={"metadata-mode": "zookeeper", "roles": "broker,balancer", "profile": "testing"},
    )
    juju.deploy(
        DATA_INTEGRATOR,
        channel=charmhub_channels[DATA_INTEGRATOR],
        config={"topic-name": TOPIC, "extra-user-roles": ROLES},
    )
    juju.integrate(f"{KAFKA}:zookeeper", f"{ZOOKEEPER}:zookeeper")
    juju.integrate(f"{DATA_INTEGRATOR}:kafka", f"{KAFKA}:kafka-client")
    wait_settled(juju, *APPS, timeout=DEPLOY_TIMEOUT)
    assert len(units(juju, KAFKA)) == 3

    credentials = kafka_credentials(juju)
    client = credentials.user()
    created = kafka_tools.create_topic(client, TOPIC)
    assert created.ok, f"{client.username} could not create {TOPIC}:\n{created.tail()}"
    eventually(
        lambda: assert_round_trip(kafka_tools, client, TOPIC, credentials.consumer_group_prefix),
        what="produce and consume",
    )
    scenario.admin = admin_user(juju)


def test_full_rebalance_dry_run_returns_a_proposal(
    juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    before = replica_assignment(kafka_tools, scenario)
    results = eventually(
        lambda: rebalance(juju, mode="full", dryrun=True),
        what="Cruise Control proposing a full rebalance",
        timeout=PROPOSAL_TIMEOUT,
        interval=60,
    )
    summary = assert_proposal(results)
    assert int(float(summary["numreplicamovements"])) >= 0
    assert replica_assignment(kafka_tools, scenario) == before, "a dry run moved replicas"


def test_rebalance_parameters(juju: jubilant.Juju) -> None:
    with pytest.raises(jubilant.TaskError) as refused:
        rebalance(juju, mode="add", dryrun=True)
    assert "brokerid" in refused.value.task.message, f"the refusal does not name brokerid: {refused.value.task}"

    results = eventually(
        lambda: rebalance(juju, mode="remove", dryrun=True, brokerid=2),
        what="Cruise Control proposing to remove broker 2",
        interval=60,
    )
    assert_proposal(results)
