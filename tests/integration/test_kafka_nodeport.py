"""Brokers exposed outside Kubernetes with `expose-external=nodeport`.

One model, steps in order (a failed step skips the rest):

1. kafka-k8s x1 (`metadata-mode=kraft`, `roles=broker,controller`: no ZooKeeper needed) and
   data-integrator asking for a topic; the client's endpoints are the pod's in-cluster name.
2. `juju trust kafka-k8s --scope=cluster` (the charm manages Services through the Kubernetes
   API) and `expose-external=nodeport`: the unit settles active with an EXTERNAL listener
   advertising `<node address>:<node port>`, the client's endpoints become the node's address
   and the bootstrap Service's node port, and the client produces and consumes through them.
   Reaching the broker at a node port proves the Service exists and selects the pod.
3. The Services by name (`kafka-k8s-bootstrap`, `kafka-k8s-0-sasl-plaintext-scram`), listed
   with `kubectl` on the test machine when it has one configured for the model's cluster;
   skipped otherwise (no Kubernetes client library is used here, and the workload containers
   have no Kubernetes client either).
4. `expose-external=false`: the endpoints go back to the in-cluster name, the EXTERNAL
   listener is gone, the client still works, and (with kubectl) the Services are deleted.

The client runs, as everywhere here, in the `kafka` container of kafka-k8s/0: the node's
address and node ports are reachable from pods as from outside the cluster (on clusters that
give nodes an ExternalIP unreachable from pods this is where the test would fail).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jubilant
import pytest

from helpers import DATA_INTEGRATOR, DEPLOY_TIMEOUT, KAFKA, ContainerShell, eventually, pod_address, wait_settled
from kafka_helpers import (
    CLIENT_PORT_PLAIN,
    NODE_PORTS,
    KafkaCredentials,
    KafkaTools,
    assert_round_trip,
    kafka_credentials,
    listeners,
)

pytestmark = pytest.mark.incremental

TOPIC = "itest-nodeport"
ROLES = "producer,consumer"
APPS = (KAFKA, DATA_INTEGRATOR)
UNIT = f"{KAFKA}/0"
# The shared bootstrap Service and unit 0's Service for the default auth map (SASL_PLAINTEXT
# with SCRAM), as charms/kafka-k8s/README.md names them.
SERVICES = (f"{KAFKA}-bootstrap", f"{KAFKA}-0-sasl-plaintext-scram")


@pytest.fixture(scope="module")
def kafka_tools(juju: jubilant.Juju) -> Iterator[KafkaTools]:
    shell = ContainerShell(juju, UNIT, container="kafka")
    yield KafkaTools(shell)
    shell.remove()


def endpoints(credentials: KafkaCredentials) -> list[tuple[str, int]]:
    pairs = [endpoint.rsplit(":", 1) for endpoint in credentials.endpoints.split(",")]
    return [(host, int(port)) for host, port in pairs]


def external_listeners(juju: jubilant.Juju) -> dict[str, dict[str, str]]:
    return {name: fields for name, fields in listeners(juju, UNIT).items() if fields.get("scope") == "EXTERNAL"}


def node_port_credentials(juju: jubilant.Juju) -> KafkaCredentials:
    credentials = kafka_credentials(juju)
    for host, port in endpoints(credentials):
        assert port in NODE_PORTS, f"endpoint {host}:{port} is not on a node port"
        assert not host.endswith("-endpoints"), f"endpoint {host}:{port} is still the pod's in-cluster name"
    return credentials


def in_cluster_credentials(juju: jubilant.Juju) -> KafkaCredentials:
    credentials = kafka_credentials(juju)
    assert endpoints(credentials) == [(pod_address(UNIT), CLIENT_PORT_PLAIN)], f"endpoints {credentials.endpoints}"
    return credentials


def kubectl_services(juju: jubilant.Juju) -> set[str]:
    """The Services in the model's namespace, through kubectl; skips the step without it."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed on the test machine; the Services were checked by reaching them")
    namespace = (juju.model or "").split(":")[-1]
    done = subprocess.run(
        ["kubectl", "get", "services", "--namespace", namespace, "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"kubectl cannot list the Services of namespace {namespace} (not this cluster?): {reason}")
    return {item["metadata"]["name"] for item in json.loads(done.stdout).get("items", [])}


def test_one_broker_with_a_client(
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

    credentials = in_cluster_credentials(juju)
    client = credentials.user()
    created = kafka_tools.create_topic(client, TOPIC)
    assert created.ok, f"{client.username} could not create {TOPIC}:\n{created.tail()}"
    assert not external_listeners(juju), "an EXTERNAL listener exists before expose-external"
    scenario.group_prefix = credentials.consumer_group_prefix


def test_nodeport_exposes_the_broker(juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace) -> None:
    juju.trust(KAFKA, scope="cluster")
    juju.config(KAFKA, {"expose-external": "nodeport"})
    wait_settled(juju, *APPS)

    def advertised_on_a_node_port() -> dict[str, dict[str, str]]:
        external = external_listeners(juju)
        assert external, "get-listeners shows no EXTERNAL listener"
        for name, fields in external.items():
            host, port = fields.get("advertised-listener", "").rsplit("//", 1)[-1].rsplit(":", 1)
            assert int(port) in NODE_PORTS, f"{name} advertises {host}:{port}, not a node port"
        return external

    external = eventually(advertised_on_a_node_port, what="an EXTERNAL listener on a node port")
    credentials = eventually(lambda: node_port_credentials(juju), what="client endpoints on the node port")
    hosts = {fields["advertised-listener"].rsplit("//", 1)[-1].rsplit(":", 1)[0] for fields in external.values()}
    assert {host for host, _ in endpoints(credentials)} <= hosts, (
        f"the client bootstraps from {credentials.endpoints}, not the advertised node address {hosts}"
    )
    eventually(
        lambda: assert_round_trip(kafka_tools, credentials.user(), TOPIC, scenario.group_prefix),
        what="produce and consume through the node port",
    )


def test_nodeport_services_exist(juju: jubilant.Juju) -> None:
    names = kubectl_services(juju)
    missing = set(SERVICES) - names
    assert not missing, f"Services {sorted(missing)} do not exist (found {sorted(names)})"


def test_exposure_removed(juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace) -> None:
    juju.config(KAFKA, {"expose-external": "false"})
    wait_settled(juju, *APPS)

    credentials = eventually(lambda: in_cluster_credentials(juju), what="client endpoints back in the cluster")

    def no_external_listener() -> None:
        assert not external_listeners(juju), "the EXTERNAL listener is still there"

    eventually(no_external_listener, what="the EXTERNAL listener removed")
    eventually(
        lambda: assert_round_trip(kafka_tools, credentials.user(), TOPIC, scenario.group_prefix),
        what="produce and consume in the cluster again",
    )
    if shutil.which("kubectl") is not None:
        try:
            names = kubectl_services(juju)
        except pytest.skip.Exception:
            return
        assert not set(SERVICES) & names, f"Services left after expose-external=false: {sorted(set(SERVICES) & names)}"
