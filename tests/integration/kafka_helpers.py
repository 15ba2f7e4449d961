"""Kafka as its clients see it: credentials from data-integrator and from
`get-admin-credentials`, and Kafka's own command-line tools run in a broker's `kafka` container.

Why the tools run inside the cluster: brokers advertise their pod names
(`kafka-k8s-<n>.kafka-k8s-endpoints`), which only resolve inside Kubernetes, and nothing else
unless `expose-external=nodeport`. A Python client on the test machine would reach the
bootstrap server through a port-forward and then fail on the advertised names. The rock's
`kafka-console-producer.sh`, `kafka-console-consumer.sh`, `kafka-topics.sh` and `kafka-acls.sh`
are the reference clients, and from a broker's container they use the same network path,
names and TLS hostname checks as any application in the cluster.
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass, replace

import jubilant

from helpers import (
    KAFKA,
    REDACTOR,
    ContainerShell,
    Secret,
    ToolRun,
    action_section,
    data_integrator_credentials,
    relation_id_of,
    run_action,
)

KAFKA_BIN = "/opt/kafka/bin"
SERVER_PROPERTIES = "/etc/kafka/server.properties"
# Written on controller nodes: server.properties plus the controller user (a client config).
KRAFT_CLIENT_PROPERTIES = "/etc/kafka/kraft-client.properties"
# The controller listener without TLS (CONTROLLER_SASL_PLAINTEXT_SCRAM_SHA_512).
CONTROLLER_PORT_PLAIN = 9097
# KRaft node ids of units with the broker role: the unit number plus 100 (the Python charm's).
KRAFT_BROKER_ID_OFFSET = 100
# Kubernetes' default NodePort range.
NODE_PORTS = range(30000, 32768)
SCRAM = "SCRAM-SHA-512"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
# Plain and TLS client ports of the SCRAM listener (the Python charm's numbers).
CLIENT_PORT_PLAIN = 9092
CLIENT_PORT_TLS = 9093
AUTHENTICATION_FAILED = ("SaslAuthenticationException", "Authentication failed")


@dataclass(frozen=True)
class KafkaUser:
    """Whom a tool runs as, and where it connects."""

    username: str
    password: Secret
    bootstrap: str
    security_protocol: str = "SASL_SSL"
    # A complete client.properties (get-admin-credentials gives one); None: made from the above.
    properties: Secret | None = None

    def with_password(self, password: Secret) -> KafkaUser:
        """The same user with another password (and properties made from the fields)."""
        return replace(self, password=password, properties=None)

    def client_properties(self, ca_path: str | None) -> str:
        if self.properties is not None:
            lines = [line for line in self.properties.reveal().splitlines() if not line.startswith("ssl.")]
        else:
            password = self.password.reveal_for_jaas()
            lines = [
                f"security.protocol={self.security_protocol}",
                f"sasl.mechanism={SCRAM}",
                f'sasl.jaas.config={SCRAM_LOGIN_MODULE} required username="{self.username}" password="{password}";',
            ]
        if "SSL" in self.security_protocol:
            assert ca_path, "a TLS client needs the CA"
            lines += ["ssl.truststore.type=PEM", f"ssl.truststore.location={ca_path}"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class KafkaCredentials:
    """What the kafka-client relation gave data-integrator (`get-credentials`, section `kafka`)."""

    username: str
    password: Secret
    endpoints: str
    tls: bool
    tls_ca: str
    topic: str
    consumer_group_prefix: str
    zookeeper_uris: str

    @property
    def relation_id(self) -> int:
        return relation_id_of(self.username)

    @property
    def ports(self) -> set[int]:
        return {int(endpoint.rsplit(":", 1)[1]) for endpoint in self.endpoints.split(",")}

    def user(self) -> KafkaUser:
        protocol = "SASL_SSL" if self.tls else "SASL_PLAINTEXT"
        return KafkaUser(self.username, self.password, self.endpoints, security_protocol=protocol)


def kafka_credentials(juju: jubilant.Juju) -> KafkaCredentials:
    fields = data_integrator_credentials(juju, "kafka")
    for key in ("password", "endpoints", "tls"):
        assert fields.get(key), f"get-credentials shows no kafka {key}"
    return KafkaCredentials(
        username=fields["username"],
        password=Secret(fields["password"]),
        endpoints=fields["endpoints"],
        tls=fields["tls"] == "enabled",
        tls_ca=fields.get("tls-ca", ""),
        topic=fields.get("topic", ""),
        consumer_group_prefix=fields.get("consumer-group-prefix", ""),
        zookeeper_uris=fields.get("zookeeper-uris", ""),
    )


def admin_user(juju: jubilant.Juju) -> KafkaUser:
    """The admin user as `get-admin-credentials` hands it out (internal listener)."""
    results = run_action(juju, f"{KAFKA}/leader", "get-admin-credentials")
    for key in ("username", "password", "client-properties"):
        assert results.get(key), f"get-admin-credentials has no {key!r}"
    password = Secret(str(results["password"]))
    properties = Secret(str(results["client-properties"]))
    REDACTOR.register(properties.reveal())
    settings = dict(
        line.split("=", 1) for line in properties.reveal().splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings.get("bootstrap.servers"), "the admin client.properties names no bootstrap.servers"
    assert settings.get("sasl.mechanism") == SCRAM, "the admin client.properties does not use SCRAM-SHA-512"
    return KafkaUser(
        username=str(results["username"]),
        password=password,
        bootstrap=settings["bootstrap.servers"],
        security_protocol=settings.get("security.protocol", "SASL_PLAINTEXT"),
        properties=properties,
    )


def set_password(juju: jubilant.Juju, username: str) -> Secret:
    """Rotates `username`'s password with a generated one (never passed on a command line)."""
    results = run_action(juju, f"{KAFKA}/leader", "set-password", {"username": username})
    key = f"{username}-password"
    assert results.get(key), f"set-password returned no {key!r} (keys: {sorted(results)})"
    return Secret(str(results[key]))


def published_user_secret(juju: jubilant.Juju, relation_id: int) -> jubilant.Secret:
    """The secret kafka-k8s publishes a client's credentials in (`kafka-client.<id>.user.secret`)."""
    label = f"kafka-client.{relation_id}.user.secret"
    found = [s for s in juju.secrets() if s.label == label and KAFKA in (s.owner or "")]
    assert len(found) == 1, f"expected one secret labelled {label!r} owned by {KAFKA}, found {len(found)}"
    return found[0]


class KafkaTools:
    """Kafka's command-line tools in one broker's `kafka` container."""

    def __init__(self, shell: ContainerShell, ca_pem: str | None = None) -> None:
        self.shell = shell
        self.ca_pem = ca_pem

    def create_topic(self, user: KafkaUser, topic: str) -> ToolRun:
        return self._admin_tool(user, "kafka-topics.sh", "--create", "--if-not-exists", "--topic", topic)

    def describe_topic(self, user: KafkaUser, topic: str) -> ToolRun:
        return self._admin_tool(user, "kafka-topics.sh", "--describe", "--topic", topic)

    def list_acls(self, user: KafkaUser, topic: str) -> ToolRun:
        return self._admin_tool(user, "kafka-acls.sh", "--list", "--topic", topic)

    def produce(self, user: KafkaUser, topic: str, messages: list[str]) -> ToolRun:
        messages_file = self.shell.put("messages.txt", "\n".join(messages) + "\n")
        arguments = [*self._connect(user, "--producer.config"), "--topic", topic, "--producer-property", "acks=all"]
        return self._run("kafka-console-producer.sh", arguments, stdin=messages_file)

    def consume(self, user: KafkaUser, topic: str, group: str, idle_ms: int = 30_000) -> ToolRun:
        """Everything in `topic` from the beginning, until nothing arrives for `idle_ms`."""
        arguments = [*self._connect(user, "--consumer.config"), "--topic", topic, "--group", group]
        arguments += ["--from-beginning", "--timeout-ms", str(idle_ms)]
        return self._run("kafka-console-consumer.sh", arguments, seconds=idle_ms // 1000 + 120)

    def quorum_status(self, bootstrap_controller: str) -> ToolRun:
        """`kafka-metadata-quorum.sh describe --status` against a controller, logged in as the
        charm's own quorum commands are (`kraft-client.properties`, only on controller nodes)."""
        arguments = ["--bootstrap-controller", bootstrap_controller, "--command-config", KRAFT_CLIENT_PROPERTIES]
        return self._run("kafka-metadata-quorum.sh", [*arguments, "describe", "--status"])

    def _admin_tool(self, user: KafkaUser, tool: str, *arguments: str) -> ToolRun:
        return self._run(tool, [*self._connect(user, "--command-config"), *arguments])

    def _connect(self, user: KafkaUser, config_flag: str) -> list[str]:
        """`--bootstrap-server` and the tool's flag for `user`'s client.properties, which is
        copied into the container (with the CA it trusts)."""
        ca_path = None
        if "SSL" in user.security_protocol:
            assert self.ca_pem, "TLS clients need the CA: set KafkaTools.ca_pem"
            ca_path = self.shell.put("ca.pem", self.ca_pem)
        config = self.shell.put(f"{user.username}.properties", user.client_properties(ca_path))
        return ["--bootstrap-server", user.bootstrap, config_flag, config]

    def _run(self, tool: str, arguments: list[str], *, stdin: str | None = None, seconds: int = 120) -> ToolRun:
        command = " ".join(shlex.quote(part) for part in [f"{KAFKA_BIN}/{tool}", *arguments])
        if stdin:
            command += f" < {shlex.quote(stdin)}"
        return self.shell.run(
            f"bounded {seconds} {command}",
            environment={
                # The tools' JVMs run next to the broker: small, without the broker's agents.
                "KAFKA_HEAP_OPTS": "-Xmx256m",
                "KAFKA_OPTS": "",
                "LOG_DIR": self.shell.path("logs"),
            },
        )


def broker_settings(juju: jubilant.Juju, unit: str, *keys: str) -> dict[str, str]:
    """Some keys of the server.properties a broker runs with (only these: the file holds
    passwords)."""
    shell = ContainerShell(juju, unit, container="kafka")
    pattern = "^(" + "|".join(re.escape(key) for key in keys) + ")="
    try:
        run = shell.run(f"grep -E {shlex.quote(pattern)} {SERVER_PROPERTIES}")
    finally:
        shell.remove()
    return dict(line.split("=", 1) for line in run.lines() if "=" in line)


def produce_batch(tools: KafkaTools, user: KafkaUser, topic: str) -> list[str]:
    """`user` produces a fresh batch of ten messages to `topic`; returns them."""
    batch = secrets.token_hex(4)
    messages = [f"itest-{batch}-{n}" for n in range(10)]
    produced = tools.produce(user, topic, messages)
    assert "Error when sending message" not in produced.output, f"{user.username} could not produce:\n{produced.tail()}"
    return messages


def assert_reads_back(tools: KafkaTools, user: KafkaUser, topic: str, group_prefix: str, messages: list[str]) -> None:
    """`user` reads `topic` from the beginning in a consumer group of its own under
    `group_prefix` (the only groups its ACLs allow) and finds every one of `messages`."""
    consumed = tools.consume(user, topic, group=f"{group_prefix}itest-{secrets.token_hex(4)}")
    missing = set(messages) - set(consumed.lines())
    assert not missing, (
        f"{user.username} read back {len(messages) - len(missing)} of {len(messages)} messages "
        f"({messages[0]}...):\n{consumed.tail()}"
    )


def assert_round_trip(tools: KafkaTools, user: KafkaUser, topic: str, group_prefix: str) -> None:
    """`user` produces a fresh batch of messages to `topic` and reads all of them back."""
    assert_reads_back(tools, user, topic, group_prefix, produce_batch(tools, user, topic))


def assert_authentication_fails(run: ToolRun, who: str) -> None:
    assert not run.ok, f"{who} was accepted:\n{run.tail()}"
    assert any(marker in run.output for marker in AUTHENTICATION_FAILED), (
        f"{who} failed, but not on authentication:\n{run.tail()}"
    )


# `CurrentVoters:          [{"id": 100, "directoryId": "...", "endpoints": [...]}, ...]`
# (Kafka 3.9's MetadataQuorumCommand; before KIP-853 it printed `[100, 101]`).
CURRENT_VOTERS = re.compile(r"^CurrentVoters:\s*(\[.*\])\s*$", re.MULTILINE)


def quorum_voters(tools: KafkaTools, bootstrap_controller: str) -> set[int]:
    """The node ids of the KRaft quorum's voters, as the quorum itself reports them."""
    run = tools.quorum_status(bootstrap_controller)
    assert run.ok, f"kafka-metadata-quorum.sh describe --status failed:\n{run.tail()}"
    found = CURRENT_VOTERS.search(run.output)
    assert found, f"describe --status printed no CurrentVoters:\n{run.tail()}"
    listed = found.group(1)
    ids = re.findall(r'"id":\s*(\d+)', listed) or re.findall(r"\d+", listed)
    return {int(node) for node in ids}


def listeners(juju: jubilant.Juju, unit: str) -> dict[str, dict[str, str]]:
    """`get-listeners` of a unit: listener key -> its fields (`scope`, `advertised-listener`, ...)."""
    results = run_action(juju, unit, "get-listeners")
    # Juju nests the dotted keys (`<listener>.scope`); action_section also reads them flat.
    names = {str(key).split(".", 1)[0] for key in results}
    return {name: action_section(results, name) for name in names}
