"""KRaft's dynamic controller quorum (KIP-853) growing and shrinking with the application.

One model, steps in order (a failed step skips the rest):

1. kafka-k8s x1 with `metadata-mode=kraft`, `roles=broker,controller` (combined nodes, no
   ZooKeeper) and data-integrator asking for a topic: the unit settles active, the quorum has
   one voter (node 100, the bootstrap controller) and the client got its user.
2. Scaled to three units: each new controller adds itself to the quorum, which lists the
   voters 100, 101 and 102; the client creates its topic, produces and consumes.
3. Scaled down to two: the departing controller (unit 2, the highest pod) removes itself, the
   quorum lists 100 and 101, what was produced is still there and the client keeps working.

The quorum is read the way an operator reads it: `kafka-metadata-quorum.sh describe --status`
in the `kafka` container of kafka-k8s/0, logged in with the charm's `kraft-client.properties`.
The client's topic and the consumer offsets topic are made once three brokers run
(replication factor 3, `min.insync.replicas` 2, the charm's numbers for three units): made on
one broker they would keep replication factor 1, below the `min.insync.replicas` of three,
and `acks=all` producers would be refused. Two of three replicas survive the scale-down.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jubilant
import pytest

from helpers import DATA_INTEGRATOR, DEPLOY_TIMEOUT, KAFKA, ContainerShell, eventually, pod_address, units, wait_settled
from kafka_helpers import (
    CLIENT_PORT_PLAIN,
    CONTROLLER_PORT_PLAIN,
    KRAFT_BROKER_ID_OFFSET,
    KafkaTools,
    assert_reads_back,
    assert_round_trip,
    kafka_credentials,
    produce_batch,
    quorum_voters,
)

pytestmark = pytest.mark.incremental

TOPIC = "itest-quorum"
ROLES = "producer,consumer"
APPS = (KAFKA, DATA_INTEGRATOR)
# The bootstrap controller is the lowest unit and stays put (charms/kafka-k8s/README.md).
BOOTSTRAP_CONTROLLER = f"{pod_address(f'{KAFKA}/0')}:{CONTROLLER_PORT_PLAIN}"


@pytest.fixture(scope="module")
def kafka_tools(juju: jubilant.Juju) -> Iterator[KafkaTools]:
    shell = ContainerShell(juju, f"{KAFKA}/0", container="kafka")
    yield KafkaTools(shell)
    shell.remove()


def assert_voters(tools: KafkaTools, unit_numbers: list[int]) -> None:
    expected = {KRAFT_BROKER_ID_OFFSET + number for number in unit_numbers}
    voters = quorum_voters(tools, BOOTSTRAP_CONTROLLER)
    assert voters == expected, f"the quorum's voters are {sorted(voters)}, not {sorted(expected)}"


def client_keeps_working(tools: KafkaTools, scenario: SimpleNamespace) -> None:
    assert_reads_back(tools, scenario.client, TOPIC, scenario.group_prefix, scenario.first_batch)
    assert_round_trip(tools, scenario.client, TOPIC, scenario.group_prefix)


def test_one_combined_node_forms_the_quorum(
    juju: jubilant.Juju,
    kafka_charm: Path,
    kafka_image: str,
    charmhub_channels: dict[str, str],
    kafka_tools: KafkaTools,
    scenario: SimpleNamespace,
) -> None:
    juju.deploy(
        kafka_charm,
        KAFKA,
        num_units=1,
        resources={"kafka-image": kafka_image},
        config={"metadata-mode": "kraft", "roles": "broker,controller", "profile": "testing"},
    )
    juju.deploy(
        DATA_INTEGRATOR,
        channel=charmhub_channels[DATA_INTEGRATOR],
        config={"topic-name": TOPIC, "extra-user-roles": ROLES},
    )
    juju.integrate(f"{DATA_INTEGRATOR}:kafka", f"{KAFKA}:kafka-client")
    wait_settled(juju, *APPS, timeout=DEPLOY_TIMEOUT)

    eventually(lambda: assert_voters(kafka_tools, [0]), what="a quorum of node 100")
    credentials = kafka_credentials(juju)
    assert credentials.ports == {CLIENT_PORT_PLAIN}, f"endpoints {credentials.endpoints}"
    assert credentials.topic == TOPIC
    scenario.client = credentials.user()
    scenario.group_prefix = credentials.consumer_group_prefix


def test_scaled_to_three_controllers(juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace) -> None:
    juju.add_unit(KAFKA, num_units=2)
    wait_settled(juju, *APPS, timeout=DEPLOY_TIMEOUT)
    assert len(units(juju, KAFKA)) == 3

    # Controllers join one at a time, lowest first, once each runs.
    eventually(lambda: assert_voters(kafka_tools, [0, 1, 2]), what="voters 100, 101 and 102")

    client = scenario.client
    created = kafka_tools.create_topic(client, TOPIC)
    assert created.ok, f"{client.username} could not create {TOPIC}:\n{created.tail()}"
    scenario.first_batch = eventually(lambda: produce_batch(kafka_tools, client, TOPIC), what="the client producing")
    eventually(lambda: client_keeps_working(kafka_tools, scenario), what="the client on three nodes")


def test_scaled_down_to_two_controllers(
    juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    # On Kubernetes the StatefulSet shrinks from the top: unit 2 leaves.
    juju.remove_unit(KAFKA, num_units=1)
    juju.wait(lambda status: len(status.apps[KAFKA].units) == 2, delay=5, timeout=DEPLOY_TIMEOUT)
    wait_settled(juju, *APPS)
    assert units(juju, KAFKA) == [f"{KAFKA}/0", f"{KAFKA}/1"]

    eventually(lambda: assert_voters(kafka_tools, [0, 1]), what="voters 100 and 101")
    eventually(lambda: client_keeps_working(kafka_tools, scenario), what="the client on two nodes")
