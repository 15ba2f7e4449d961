"""A ZooKeeper ensemble on a real Juju: quorum, the super user, a client's chroot, TLS.

One model, steps in order (a failed step skips the rest):

1. zookeeper-k8s x3 (our charm) settles active.
2. `get-super-password` opens the ensemble as `super`: `config` lists three voting members
   (the later units joined as observers and were promoted); a wrong password is refused.
3. data-integrator (Charmhub) asks for a chroot: its user can write and read under it, a
   session without credentials cannot, and the chroot's ACL names that user.
4. self-signed-certificates (Charmhub) is related: the client's endpoints move to the TLS port,
   and over TLS the client still reads its data and the quorum still has three members.
5. The super password is rotated: get-super-password shows the new one, and every server
   accepts it and refuses the old one.
6. `set-tls-private-key` on zookeeper-k8s/1 with an RSA key made by the test (base64 PEM):
   that server's TLS port presents a certificate for the new key, and the quorum and the
   client's data are intact.
7. In-place upgrade to the same charm file (`juju trust`, `pre-upgrade-check`, `juju refresh`,
   `resume-upgrade`): the client reads its data over TLS and the quorum has three members
   with the first server upgraded and after the last.

Sessions are ZooKeeper's own zkCli.sh in the `zookeeper` container of zookeeper-k8s/0
(zookeeper_helpers says why); no password is ever passed on a command line or printed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jubilant
import pytest

from helpers import (
    CERTIFICATES,
    DATA_INTEGRATOR,
    DEPLOY_TIMEOUT,
    ZOOKEEPER,
    ContainerShell,
    Secret,
    ca_certificate,
    eventually,
    pod_address,
    run_action,
    units,
    wait_settled,
)
from zookeeper_helpers import (
    CLIENT_PORT_PLAIN,
    CLIENT_PORT_TLS,
    SUPER,
    ZkCli,
    ZkUser,
    ZooKeeperCredentials,
    ensemble,
    participants,
    set_super_password,
    super_password,
    zookeeper_credentials,
)
from tls_helpers import assert_serves_key, base64_pem, generate_rsa_key
from upgrade_helpers import refresh_in_place

pytestmark = pytest.mark.incremental

CHROOT = "/itest-chroot"
PROBE = "/itest-probe"


@pytest.fixture(scope="module")
def zk_cli(juju: jubilant.Juju) -> Iterator[ZkCli]:
    shell = ContainerShell(juju, f"{ZOOKEEPER}/0", container="zookeeper")
    yield ZkCli(shell)
    shell.remove()


def assert_three_voting_members(cli: ZkCli, connect: str, user: ZkUser, tls: bool = False) -> None:
    run = cli.run(connect, "config", user=user, tls=tls)
    members = participants(run)
    assert len(members) == 3, f"{user.username} sees {len(members)} voting members:\n{run.tail()}"


def assert_refused(cli: ZkCli, connect: str, user: ZkUser | None, tls: bool = False) -> None:
    """A session as `user` (None: unauthenticated) cannot even read the membership."""
    run = cli.run(connect, "config", user=user, tls=tls, seconds=60)
    who = user.username if user else "an unauthenticated session"
    assert not participants(run), f"{who} was let in:\n{run.tail()}"


def assert_reads(cli: ZkCli, connect: str, path: str, payload: str, user: ZkUser | None, tls: bool = False) -> None:
    run = cli.run(connect, "get", path, user=user, tls=tls)
    who = user.username if user else "an unauthenticated session"
    assert payload in run.lines(), f"{who} does not read {path}:\n{run.tail()}"


def client_credentials(juju: jubilant.Juju, tls: bool) -> ZooKeeperCredentials:
    credentials = zookeeper_credentials(juju)
    port = CLIENT_PORT_TLS if tls else CLIENT_PORT_PLAIN
    assert credentials.tls == tls, f"data-integrator's credentials say tls: {credentials.tls}"
    assert credentials.ports == {port}, f"endpoints {credentials.endpoints} are not on port {port}"
    return credentials


def test_three_servers_settle_active(juju: jubilant.Juju, zookeeper_charm: Path, zookeeper_image: str) -> None:
    juju.deploy(zookeeper_charm, ZOOKEEPER, num_units=3, resources={"zookeeper-image": zookeeper_image})
    wait_settled(juju, ZOOKEEPER, timeout=DEPLOY_TIMEOUT)
    assert len(units(juju, ZOOKEEPER)) == 3


def test_super_password_opens_the_ensemble(juju: jubilant.Juju, zk_cli: ZkCli, scenario: SimpleNamespace) -> None:
    superuser = ZkUser(SUPER, super_password(juju))
    connect = ensemble(juju, CLIENT_PORT_PLAIN)

    eventually(lambda: assert_three_voting_members(zk_cli, connect, superuser), what="three voting members")
    assert_refused(zk_cli, connect, ZkUser(SUPER, Secret(f"not-the-password-{secrets.token_hex(8)}")))
    scenario.superuser = superuser


def test_client_gets_its_own_chroot(
    juju: jubilant.Juju, zk_cli: ZkCli, scenario: SimpleNamespace, charmhub_channels: dict[str, str]
) -> None:
    juju.deploy(DATA_INTEGRATOR, channel=charmhub_channels[DATA_INTEGRATOR], config={"database-name": CHROOT})
    juju.integrate(f"{DATA_INTEGRATOR}:zookeeper", f"{ZOOKEEPER}:zookeeper")
    wait_settled(juju, ZOOKEEPER, DATA_INTEGRATOR)

    credentials = client_credentials(juju, tls=False)
    assert credentials.database == CHROOT
    assert credentials.username.startswith("relation-")
    client = credentials.user()
    in_chroot = f"{credentials.endpoints}{CHROOT}"
    payload = f"payload-{secrets.token_hex(4)}"

    def client_writes_and_reads() -> None:
        zk_cli.run(in_chroot, "create", PROBE, payload, user=client)  # "already exists" on a retry
        assert_reads(zk_cli, in_chroot, PROBE, payload, user=client)

    eventually(client_writes_and_reads, what="the client writing under its chroot")
    assert_refused(zk_cli, in_chroot, user=None)

    acl = zk_cli.run(credentials.endpoints, "getAcl", CHROOT, user=scenario.superuser)
    assert credentials.username in acl.output, (
        f"the ACL of {CHROOT} does not name {credentials.username}:\n{acl.tail()}"
    )

    scenario.client = client
    scenario.payload = payload


def test_tls_keeps_the_quorum_and_the_data(
    juju: jubilant.Juju, zk_cli: ZkCli, scenario: SimpleNamespace, charmhub_channels: dict[str, str]
) -> None:
    juju.deploy(CERTIFICATES, channel=charmhub_channels[CERTIFICATES])
    juju.integrate(f"{ZOOKEEPER}:certificates", f"{CERTIFICATES}:certificates")
    wait_settled(juju, ZOOKEEPER, DATA_INTEGRATOR, CERTIFICATES)

    credentials = eventually(lambda: client_credentials(juju, tls=True), what="client endpoints on the TLS port")
    zk_cli.ca_pem = ca_certificate(juju)
    in_chroot = f"{credentials.endpoints}{CHROOT}"

    eventually(
        lambda: assert_reads(zk_cli, in_chroot, PROBE, scenario.payload, user=scenario.client, tls=True),
        what="the client reading its data over TLS",
    )
    assert_three_voting_members(zk_cli, credentials.endpoints, scenario.superuser, tls=True)
    scenario.tls_ensemble = credentials.endpoints


def test_rotated_super_password(juju: jubilant.Juju, zk_cli: ZkCli, scenario: SimpleNamespace) -> None:
    old = scenario.superuser
    new = ZkUser(SUPER, set_super_password(juju))
    assert new.password != old.password
    wait_settled(juju, ZOOKEEPER, DATA_INTEGRATOR, CERTIFICATES)

    def action_shows_new_password() -> None:
        assert super_password(juju) == new.password, "get-super-password still shows the old password"

    eventually(action_shows_new_password, what="get-super-password with the new password")
    for server in scenario.tls_ensemble.split(","):
        eventually(
            lambda: assert_three_voting_members(zk_cli, server, new, tls=True),  # noqa: B023 - called at once
            what=f"{server} accepting the new super password",
        )
        eventually(
            lambda: assert_refused(zk_cli, server, old, tls=True),  # noqa: B023 - called at once
            what=f"{server} refusing the old super password",
        )
    assert_reads(zk_cli, f"{scenario.tls_ensemble}{CHROOT}", PROBE, scenario.payload, user=scenario.client, tls=True)
    scenario.superuser = new


def assert_quorum_and_data_intact(cli: ZkCli, scenario: SimpleNamespace) -> None:
    assert_reads(cli, f"{scenario.tls_ensemble}{CHROOT}", PROBE, scenario.payload, user=scenario.client, tls=True)
    assert_three_voting_members(cli, scenario.tls_ensemble, scenario.superuser, tls=True)


def test_set_tls_private_key_changes_the_served_certificate(
    juju: jubilant.Juju, zk_cli: ZkCli, scenario: SimpleNamespace
) -> None:
    unit = f"{ZOOKEEPER}/1"
    key = generate_rsa_key()
    # The base64 form of the PEM (kafka's scenario gives the PEM itself), through jubilant's
    # --params file, never the command line.
    run_action(juju, unit, "set-tls-private-key", {"internal-key": base64_pem(key).reveal()})

    eventually(
        lambda: assert_serves_key(zk_cli.shell, pod_address(unit), CLIENT_PORT_TLS, key),
        what=f"{unit} presenting a certificate for the new key",
    )
    wait_settled(juju, ZOOKEEPER, DATA_INTEGRATOR, CERTIFICATES)
    eventually(lambda: assert_quorum_and_data_intact(zk_cli, scenario), what="quorum and data after the key change")


def test_in_place_upgrade_keeps_the_quorum_and_the_data(
    juju: jubilant.Juju, zookeeper_charm: Path, zookeeper_image: str, zk_cli: ZkCli, scenario: SimpleNamespace
) -> None:
    def clients_work() -> None:
        eventually(lambda: assert_quorum_and_data_intact(zk_cli, scenario), what="quorum and client data")

    refresh_in_place(
        juju,
        ZOOKEEPER,
        zookeeper_charm,
        {"zookeeper-image": zookeeper_image},
        ZOOKEEPER,
        DATA_INTEGRATOR,
        CERTIFICATES,
        clients_work=clients_work,
    )
