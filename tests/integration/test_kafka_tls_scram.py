"""Kafka with SCRAM users over TLS, the topology of bundles/kafka-k8s/bundle.yaml, on a real Juju.

One model, steps in order (a failed step skips the rest):

1. zookeeper-k8s x3 and kafka-k8s x3 (our charms), self-signed-certificates and data-integrator
   (Charmhub) asking for a topic with the producer and consumer roles; the client gets a
   SCRAM user on the plain SCRAM listener.
2. kafka-k8s gets certificates: the client's endpoints move to the TLS listener.
3. The client produces and consumes with its SCRAM credentials over TLS, checking the brokers'
   certificates against the CA.
4. The admin user of `get-admin-credentials` sees the client's ACLs.
5. The client's password is rotated: its published secret gets a new revision, data-integrator
   sees the new password, the new password works and the old one is refused.
6. The admin password is rotated: the same, for the admin user, and the client is unaffected.
7. zookeeper-k8s gets certificates too (the bundle's full topology): every broker moves to
   ZooKeeper's TLS port and clients keep working.
8. `set-tls-private-key` on kafka-k8s/1 with an RSA key made by the test (PEM): that broker's
   TLS listener presents a certificate for the new key, and clients keep working.
9. In-place upgrade to the same charm file (`juju trust`, `pre-upgrade-check`, `juju refresh`,
   `resume-upgrade`): messages produced before it are still there, and the client produces
   and consumes with the first broker upgraded and after the last.

Passwords are rotated before ZooKeeper moves to TLS because kafka-k8s refuses `set-password`
while its ZooKeeper speaks TLS (charms/kafka-k8s/src/actions.rs).

Clients are Kafka's own tools run in the `kafka` container of kafka-k8s/0 (kafka_helpers says
why); no password is ever passed on a command line or printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jubilant
import pytest

from helpers import (
    CERTIFICATES,
    DATA_INTEGRATOR,
    DEPLOY_TIMEOUT,
    KAFKA,
    ZOOKEEPER,
    ContainerShell,
    ca_certificate,
    eventually,
    pod_address,
    run_action,
    units,
    wait_settled,
)
from kafka_helpers import (
    CLIENT_PORT_PLAIN,
    CLIENT_PORT_TLS,
    KafkaCredentials,
    KafkaTools,
    KafkaUser,
    admin_user,
    assert_authentication_fails,
    assert_reads_back,
    assert_round_trip,
    broker_settings,
    kafka_credentials,
    produce_batch,
    published_user_secret,
    set_password,
)
from tls_helpers import assert_serves_key, generate_rsa_key
from upgrade_helpers import refresh_in_place
from zookeeper_helpers import CLIENT_PORT_TLS as ZOOKEEPER_TLS_PORT

pytestmark = pytest.mark.incremental

TOPIC = "itest-orders"
ROLES = "producer,consumer"
ALL_APPS = (ZOOKEEPER, KAFKA, CERTIFICATES, DATA_INTEGRATOR)


@pytest.fixture(scope="module")
def kafka_tools(juju: jubilant.Juju) -> Iterator[KafkaTools]:
    shell = ContainerShell(juju, f"{KAFKA}/0", container="kafka")
    yield KafkaTools(shell)
    shell.remove()


def tls_credentials(juju: jubilant.Juju) -> KafkaCredentials:
    credentials = kafka_credentials(juju)
    assert credentials.tls, "data-integrator's credentials still say tls: disabled"
    assert credentials.ports == {CLIENT_PORT_TLS}, f"endpoints {credentials.endpoints} are not the TLS listener"
    return credentials


def describe_topic(tools: KafkaTools, user: KafkaUser) -> None:
    run = tools.describe_topic(user, TOPIC)
    assert run.ok, f"{user.username} could not describe {TOPIC}:\n{run.tail()}"
    assert TOPIC in run.output, f"{user.username} describes no {TOPIC}:\n{run.tail()}"


def test_deploy_kafka_on_zookeeper_with_a_client(
    juju: jubilant.Juju,
    zookeeper_charm: Path,
    kafka_charm: Path,
    zookeeper_image: str,
    kafka_image: str,
    charmhub_channels: dict[str, str],
) -> None:
    juju.deploy(zookeeper_charm, ZOOKEEPER, num_units=3, resources={"zookeeper-image": zookeeper_image})
    juju.deploy(
        kafka_charm,
        KAFKA,
        num_units=3,
        resources={"kafka-image": kafka_image},
        # A 1 GiB heap per broker instead of production's 6 GiB: test clusters are small.
        config={"metadata-mode": "zookeeper", "profile": "testing"},
    )
    juju.deploy(CERTIFICATES, channel=charmhub_channels[CERTIFICATES])
    juju.deploy(
        DATA_INTEGRATOR,
        channel=charmhub_channels[DATA_INTEGRATOR],
        config={"topic-name": TOPIC, "extra-user-roles": ROLES},
    )
    juju.integrate(f"{KAFKA}:zookeeper", f"{ZOOKEEPER}:zookeeper")
    juju.integrate(f"{DATA_INTEGRATOR}:kafka", f"{KAFKA}:kafka-client")

    wait_settled(juju, *ALL_APPS, timeout=DEPLOY_TIMEOUT)

    assert len(units(juju, ZOOKEEPER)) == 3
    assert len(units(juju, KAFKA)) == 3
    credentials = kafka_credentials(juju)
    assert credentials.topic == TOPIC
    assert not credentials.tls
    assert credentials.ports == {CLIENT_PORT_PLAIN}
    assert credentials.consumer_group_prefix == f"{credentials.username}-"


def test_client_endpoints_move_to_tls_with_certificates(juju: jubilant.Juju) -> None:
    juju.integrate(f"{KAFKA}:certificates", f"{CERTIFICATES}:certificates")
    wait_settled(juju, *ALL_APPS)

    credentials = eventually(lambda: tls_credentials(juju), what="client endpoints on the TLS listener")
    ca = "".join(ca_certificate(juju).split())
    assert ca in "".join(credentials.tls_ca.split()), "the client's tls-ca does not contain the model's CA"


def test_client_produces_and_consumes_over_tls_with_scram(
    juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    kafka_tools.ca_pem = ca_certificate(juju)
    credentials = tls_credentials(juju)
    client = credentials.user()

    created = kafka_tools.create_topic(client, TOPIC)
    assert created.ok, f"{client.username} could not create {TOPIC}:\n{created.tail()}"
    eventually(
        lambda: assert_round_trip(kafka_tools, client, TOPIC, credentials.consumer_group_prefix),
        what="produce and consume over TLS",
    )
    scenario.client = client
    scenario.group_prefix = credentials.consumer_group_prefix


def test_admin_sees_the_client_acls(juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace) -> None:
    admin = admin_user(juju)
    assert admin.username == "admin"

    acls = kafka_tools.list_acls(admin, TOPIC)
    assert acls.ok, f"admin could not list the ACLs of {TOPIC}:\n{acls.tail()}"
    client_acls = [line for line in acls.lines() if f"User:{scenario.client.username}" in line]
    granted = {operation for line in client_acls for operation in re.findall(r"operation=(\w+)", line)}
    # producer: CREATE, WRITE, DESCRIBE; consumer: READ, DESCRIBE (and its group prefix, not listed here).
    assert granted == {"CREATE", "WRITE", "DESCRIBE", "READ"}, f"the client's ACLs on {TOPIC}:\n{acls.tail()}"
    scenario.admin = admin


def test_rotated_client_password_reaches_the_client(
    juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    old = scenario.client
    relation_id = tls_credentials(juju).relation_id
    revision_before = published_user_secret(juju, relation_id).revision

    new_password = set_password(juju, old.username)
    assert new_password != old.password

    def new_revision_published() -> None:
        revision = published_user_secret(juju, relation_id).revision
        assert revision > revision_before, f"the client's secret is still at revision {revision}"

    def data_integrator_sees_new_password() -> None:
        assert tls_credentials(juju).password == new_password, "data-integrator still shows the old password"

    eventually(new_revision_published, what="a new revision of the client's secret")
    eventually(data_integrator_sees_new_password, what="data-integrator reading the new revision")
    wait_settled(juju, *ALL_APPS)

    client = old.with_password(new_password)
    eventually(
        lambda: assert_round_trip(kafka_tools, client, TOPIC, scenario.group_prefix),
        what="produce and consume with the new password",
    )
    assert_authentication_fails(kafka_tools.describe_topic(old, TOPIC), "the old client password")
    scenario.client = client


def test_rotated_admin_password(juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace) -> None:
    old = scenario.admin
    new_password = set_password(juju, "admin")
    assert new_password != old.password
    wait_settled(juju, *ALL_APPS)

    def admin_action_shows_new_password() -> None:
        assert admin_user(juju).password == new_password, "get-admin-credentials still shows the old password"

    eventually(admin_action_shows_new_password, what="get-admin-credentials with the new password")
    admin = admin_user(juju)
    eventually(lambda: describe_topic(kafka_tools, admin), what="admin describing the topic with the new password")
    assert_authentication_fails(kafka_tools.describe_topic(old, TOPIC), "the old admin password")
    assert_round_trip(kafka_tools, scenario.client, TOPIC, scenario.group_prefix)
    scenario.admin = admin


def test_zookeeper_moves_to_tls_under_running_brokers(
    juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    juju.integrate(f"{ZOOKEEPER}:certificates", f"{CERTIFICATES}:certificates")
    wait_settled(juju, *ALL_APPS)

    def every_broker_uses_zookeeper_over_tls() -> None:
        for unit in units(juju, KAFKA):
            settings = broker_settings(juju, unit, "zookeeper.connect", "zookeeper.ssl.client.enable")
            assert settings.get("zookeeper.ssl.client.enable") == "true", f"{unit} does not use TLS to ZooKeeper"
            assert f":{ZOOKEEPER_TLS_PORT}" in settings.get("zookeeper.connect", ""), (
                f"{unit} connects to {settings.get('zookeeper.connect')}, not ZooKeeper's TLS port"
            )

    eventually(every_broker_uses_zookeeper_over_tls, what="brokers connecting to ZooKeeper over TLS")
    wait_settled(juju, *ALL_APPS)
    eventually(
        lambda: assert_round_trip(kafka_tools, scenario.client, TOPIC, scenario.group_prefix),
        what="produce and consume after ZooKeeper moved to TLS",
    )
    eventually(lambda: describe_topic(kafka_tools, scenario.admin), what="admin tools after ZooKeeper moved to TLS")


def test_set_tls_private_key_changes_the_served_certificate(
    juju: jubilant.Juju, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    unit = f"{KAFKA}/1"
    key = generate_rsa_key()
    # The key reaches the action through jubilant's --params file, never the command line.
    run_action(juju, unit, "set-tls-private-key", {"internal-key": key.reveal()})

    eventually(
        lambda: assert_serves_key(kafka_tools.shell, pod_address(unit), CLIENT_PORT_TLS, key),
        what=f"{unit} presenting a certificate for the new key",
    )
    wait_settled(juju, *ALL_APPS)
    eventually(
        lambda: assert_round_trip(kafka_tools, scenario.client, TOPIC, scenario.group_prefix),
        what="produce and consume after the key change",
    )


def test_in_place_upgrade_keeps_the_client_working(
    juju: jubilant.Juju, kafka_charm: Path, kafka_image: str, kafka_tools: KafkaTools, scenario: SimpleNamespace
) -> None:
    client, prefix = scenario.client, scenario.group_prefix
    before = produce_batch(kafka_tools, client, TOPIC)

    def client_works() -> None:
        eventually(
            lambda: assert_reads_back(kafka_tools, client, TOPIC, prefix, before),
            what="reading what was produced before the upgrade",
        )
        eventually(lambda: assert_round_trip(kafka_tools, client, TOPIC, prefix), what="produce and consume")

    refresh_in_place(juju, KAFKA, kafka_charm, {"kafka-image": kafka_image}, *ALL_APPS, clients_work=client_works)
    eventually(lambda: describe_topic(kafka_tools, scenario.admin), what="admin tools after the upgrade")
