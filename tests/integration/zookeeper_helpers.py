"""ZooKeeper as its clients see it: the super user from `get-super-password`, a client's user and
chroot from data-integrator, and ZooKeeper's own `zkCli.sh` run in a server's `zookeeper`
container (the servers' names, `zookeeper-k8s-<n>.zookeeper-k8s-endpoints`, resolve only inside
Kubernetes; see kafka_helpers for the same reasoning).

Every session authenticates with SASL DIGEST-MD5 through a JAAS file copied into the container:
the ensemble enforces authentication (`enforce.auth.enabled`), so a session without it is closed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import jubilant

from helpers import (
    ZOOKEEPER,
    ContainerShell,
    Secret,
    ToolRun,
    data_integrator_credentials,
    pod_address,
    run_action,
    units,
)

ZK_CLI = "/opt/zookeeper/bin/zkCli.sh"
CLIENT_PORT_PLAIN = 2181
CLIENT_PORT_TLS = 2182
SUPER = "super"
DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule"
# `config` prints the ensemble's membership: `server.<id>=<host>:2888:3888:participant;...`.
PARTICIPANT = re.compile(r"^server\.\d+=\S+:participant\b", re.MULTILINE)


@dataclass(frozen=True)
class ZkUser:
    username: str
    password: Secret

    def jaas(self) -> str:
        password = self.password.reveal_for_jaas()
        return (
            "Client {\n"
            f"  {DIGEST_LOGIN_MODULE} required\n"
            f'  username="{self.username}"\n'
            f'  password="{password}";\n'
            "};\n"
        )


@dataclass(frozen=True)
class ZooKeeperCredentials:
    """What the zookeeper relation gave data-integrator (`get-credentials`, section `zookeeper`)."""

    username: str
    password: Secret
    endpoints: str
    database: str
    tls: bool

    @property
    def ports(self) -> set[int]:
        return {int(endpoint.rsplit(":", 1)[1]) for endpoint in self.endpoints.split(",")}

    def user(self) -> ZkUser:
        return ZkUser(self.username, self.password)


def zookeeper_credentials(juju: jubilant.Juju) -> ZooKeeperCredentials:
    fields = data_integrator_credentials(juju, "zookeeper")
    for key in ("password", "endpoints", "database", "tls"):
        assert fields.get(key), f"get-credentials shows no zookeeper {key}"
    return ZooKeeperCredentials(
        username=fields["username"],
        password=Secret(fields["password"]),
        endpoints=fields["endpoints"],
        database=fields["database"],
        tls=fields["tls"] == "enabled",
    )


def super_password(juju: jubilant.Juju) -> Secret:
    results = run_action(juju, f"{ZOOKEEPER}/leader", "get-super-password")
    assert results.get("super-password"), f"get-super-password returned no 'super-password' (keys: {sorted(results)})"
    return Secret(str(results["super-password"]))


def set_super_password(juju: jubilant.Juju) -> Secret:
    """Rotates the super password with a generated one (never passed on a command line)."""
    results = run_action(juju, f"{ZOOKEEPER}/leader", "set-password", {"username": SUPER})
    assert results.get("super-password"), f"set-password returned no 'super-password' (keys: {sorted(results)})"
    return Secret(str(results["super-password"]))


def ensemble(juju: jubilant.Juju, port: int) -> str:
    """The connect string of every server, as clients are given it."""
    return ",".join(f"{pod_address(unit)}:{port}" for unit in units(juju, ZOOKEEPER))


class ZkCli:
    """`zkCli.sh` in one server's `zookeeper` container, one command per session."""

    def __init__(self, shell: ContainerShell, ca_pem: str | None = None) -> None:
        self.shell = shell
        self.ca_pem = ca_pem

    def run(self, connect: str, *command: str, user: ZkUser | None, tls: bool = False, seconds: int = 90) -> ToolRun:
        """Runs `command` against `connect` (`host:port,...[/chroot]`) as `user` (None: no
        authentication at all), over TLS when `tls`, trusting `ca_pem`."""
        flags = []
        if user is None:
            flags.append("-Dzookeeper.sasl.client=false")
        else:
            jaas = self.shell.put(f"{user.username}-jaas.cfg", user.jaas())
            flags.append(f"-Djava.security.auth.login.config={jaas}")
        if tls:
            assert self.ca_pem, "TLS sessions need the CA: set ZkCli.ca_pem"
            ca = self.shell.put("ca.pem", self.ca_pem)
            flags += [
                "-Dzookeeper.client.secure=true",
                "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
                "-Dzookeeper.ssl.trustStore.type=PEM",
                f"-Dzookeeper.ssl.trustStore.location={ca}",
            ]
        invocation = " ".join(shlex.quote(part) for part in [ZK_CLI, "-server", connect, *command])
        return self.shell.run(
            f"bounded {seconds} {invocation} </dev/null",
            environment={
                "CLIENT_JVMFLAGS": " ".join(flags),
                "ZOO_LOG_DIR": self.shell.path("logs"),
            },
        )


def participants(run: ToolRun) -> list[str]:
    """The voting members a `config` command listed."""
    return PARTICIPANT.findall(run.output)
