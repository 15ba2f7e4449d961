"""What every scenario needs: application names, secrets that never reach a log, waiting for a
model to settle, retrying a check, action results, and a scratch directory in a workload
container where the workload's own command-line tools run.

Nothing here calls Juju at import time: `pytest --collect-only` works on machines without it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shlex
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jubilant

logger = logging.getLogger(__name__)

# Application names, as in bundles/kafka-k8s/bundle.yaml.
ZOOKEEPER = "zookeeper-k8s"
KAFKA = "kafka-k8s"
CERTIFICATES = "self-signed-certificates"
DATA_INTEGRATOR = "data-integrator"

# Time budgets, in seconds. Deploying pulls images and starts JVMs one unit at a time; settling
# after a relation or a password change includes rolling restarts of three servers.
DEPLOY_TIMEOUT = 45 * 60
SETTLE_TIMEOUT = 25 * 60
CHECK_TIMEOUT = 10 * 60
ACTION_TIMEOUT = 5 * 60


# --- Secrets -------------------------------------------------------------------------------


class Redactor:
    """Every secret value seen by the tests, so that logs and messages can mask them."""

    MASK = "*****"

    def __init__(self) -> None:
        self._values: set[str] = set()

    def register(self, value: str) -> None:
        # Very short values would mask ordinary words; the charms' passwords are 32 characters.
        if len(value) >= 8:
            self._values.add(value)

    def redact(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, self.MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._values)


REDACTOR = Redactor()


def redact(text: str) -> str:
    """`text` with every known secret masked."""
    return REDACTOR.redact(text)


class Secret:
    """A password (or a text holding one) that shows as `Secret(*****)` wherever it is printed:
    in pytest's assertion explanations, reprs, f-strings and logs. `reveal()` is the only way to
    the value, and is used only to write it into a file inside a container.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a secret must be a non-empty string")
        self._value = value
        REDACTOR.register(value)

    def reveal(self) -> str:
        return self._value

    def reveal_for_jaas(self) -> str:
        """The value, for a double-quoted JAAS option (which has no escapes)."""
        if any(char in self._value for char in '"\\'):
            raise ValueError("this password cannot be written into a JAAS file")
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({Redactor.MASK})"

    __str__ = __repr__


def install_log_redaction() -> None:
    """Masks known secrets in every log record (jubilant's CLI and status logs included)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_redacts_secrets", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if REDACTOR:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record stays as it is; logging reports it
                return record
            record.msg, record.args = redact(message), None
        return record

    factory._redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


# --- Waiting -------------------------------------------------------------------------------


def lasting_error(*apps: str, seconds: float = 180) -> Callable[[jubilant.Status], bool]:
    """A `juju.wait` error condition: a unit of `apps` stayed in `error` for `seconds`.

    The charms exit 1 on unexpected failures and Juju retries the hook, so a brief `error` is
    part of normal life; one that lasts is not.
    """
    since: dict[str, float] = {}

    def condition(status: jubilant.Status) -> bool:
        now = time.monotonic()
        in_error = {
            name
            for app_name, app in status.apps.items()
            if not apps or app_name in apps
            for name, unit in app.units.items()
            if unit.is_error
        }
        for name in list(since):
            if name not in in_error:
                del since[name]
        for name in in_error:
            since.setdefault(name, now)
        return any(now - first > seconds for first in since.values())

    return condition


def wait_settled(juju: jubilant.Juju, *apps: str, timeout: float = SETTLE_TIMEOUT) -> jubilant.Status:
    """Waits until every unit of `apps` is active and idle, for half a minute in a row."""
    return juju.wait(
        lambda status: jubilant.all_active(status, *apps) and jubilant.all_agents_idle(status, *apps),
        error=lasting_error(*apps),
        delay=5,
        successes=6,
        timeout=timeout,
    )


T = TypeVar("T")


def eventually(check: Callable[[], T], *, what: str, timeout: float = CHECK_TIMEOUT, interval: float = 15) -> T:
    """Runs `check` until it returns without an assertion, CLI or action error; returns its value.

    For what converges after a status settles: a rolling restart finishing, a secret revision
    reaching its consumer, a listener moving to TLS.
    """
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        try:
            return check()
        except (AssertionError, jubilant.CLIError, jubilant.TaskError) as error:
            if time.monotonic() + interval > deadline:
                raise AssertionError(f"{what}: still failing after {timeout:.0f}s ({attempt} attempts)") from error
            logger.info("%s: attempt %d failed (%s), retrying", what, attempt, redact(str(error)).splitlines()[0])
            time.sleep(interval)


# --- Model ---------------------------------------------------------------------------------


def units(juju: jubilant.Juju, app: str) -> list[str]:
    """The units of `app`, by number."""
    names = juju.status().apps[app].units
    return sorted(names, key=lambda name: int(name.rsplit("/", 1)[1]))


def pod_address(unit: str) -> str:
    """The name of a unit's pod in Juju's headless service: `<app>-<n>.<app>-endpoints`."""
    app, number = unit.rsplit("/", 1)
    return f"{app}-{number}.{app}-endpoints"


def run_action(juju: jubilant.Juju, unit: str, action: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The results of an action (nested the way `juju run --format json` nests dotted keys)."""
    task = juju.run(unit, action, params, wait=ACTION_TIMEOUT)
    return task.results


def action_section(results: Mapping[str, Any], section: str) -> dict[str, str]:
    """The fields of one section of action results (`kafka` in `kafka.username`, ...), whether
    Juju returned them nested or as flat dotted keys."""
    nested = results.get(section)
    if isinstance(nested, Mapping):
        return {str(k): str(v) for k, v in nested.items()}
    prefix = f"{section}."
    return {k[len(prefix) :]: str(v) for k, v in results.items() if k.startswith(prefix)}


def data_integrator_credentials(juju: jubilant.Juju, product: str) -> dict[str, str]:
    """What data-integrator's `get-credentials` shows for `product` (`kafka`, `zookeeper`); the
    password is registered as a secret before anything can print it."""
    results = run_action(juju, f"{DATA_INTEGRATOR}/leader", "get-credentials")
    fields = action_section(results, product)
    if fields.get("password"):
        REDACTOR.register(fields["password"])
    assert fields.get("username"), f"get-credentials has no {product} user yet (sections: {sorted(results)})"
    return fields


def ca_certificate(juju: jubilant.Juju) -> str:
    """The CA certificate every TLS server of the model presents a certificate from."""
    results = run_action(juju, f"{CERTIFICATES}/leader", "get-ca-certificate")
    ca = str(results.get("ca-certificate", ""))
    assert "BEGIN CERTIFICATE" in ca, f"{CERTIFICATES} returned no CA certificate (keys: {sorted(results)})"
    return ca


def relation_id_of(username: str) -> int:
    """The relation id in a charm-made user name, `relation-<id>`."""
    match = re.fullmatch(r"relation-(\d+)", username)
    assert match, f"{username!r} is not a relation user"
    return int(match.group(1))


# --- Workload tools ------------------------------------------------------------------------

EXIT_MARK = "itest-exit-code="

# The JVM: the image's JAVA_HOME, else the first JDK installed (the charms set JAVA_HOME in their
# Pebble layers, which `juju ssh` sessions do not see). `bounded SECONDS COMMAND...` stops tools that would
# retry forever (where the image has coreutils' `timeout`).
SCRIPT_PREAMBLE = """\
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  for jdk in /usr/lib/jvm/*/; do
    if [ -x "${jdk}bin/java" ]; then JAVA_HOME="${jdk%/}"; break; fi
  done
  export JAVA_HOME
fi
bounded() {
  seconds=$1; shift
  if command -v timeout >/dev/null 2>&1; then timeout "$seconds" "$@"; else "$@"; fi
}
"""


@dataclass(frozen=True)
class ToolRun:
    """What a tool printed (stdout and stderr together, secrets masked) and its exit code."""

    exit_code: int
    output: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def lines(self) -> list[str]:
        return [line.strip() for line in self.output.splitlines() if line.strip()]

    def tail(self, count: int = 25) -> str:
        """The last lines, for assertion messages."""
        return "\n".join(self.output.splitlines()[-count:])


class ContainerShell:
    """A private scratch directory in one workload container, reached with
    `juju scp --container` and `juju ssh --container`.

    Files holding credentials are copied in with scp, never written on a command line, so no
    password appears in jubilant's `cli: juju ...` log lines or in the container's process list.
    Each command runs as a small sh script in that directory; its exit code comes back as a
    marker line, whatever `juju ssh` does with exit codes.
    """

    def __init__(self, juju: jubilant.Juju, unit: str, container: str) -> None:
        self.juju = juju
        self.unit = unit
        self.container = container
        self.dir = f"/tmp/itest-{secrets.token_hex(4)}"
        self._created = False
        # What is already in the directory (name -> content digest), to skip repeated copies.
        self._copied: dict[str, str] = {}

    def path(self, name: str) -> str:
        return f"{self.dir}/{name}"

    def _ensure_dir(self) -> None:
        if not self._created:
            self.juju.ssh(self.unit, "mkdir", "-p", "-m", "700", self.dir, container=self.container)
            self._created = True

    def put(self, name: str, content: str) -> str:
        """Copies `content` into the scratch directory as `name` (unless it is there already);
        returns its path there."""
        digest = hashlib.sha256(content.encode()).hexdigest()
        if self._copied.get(name) == digest:
            return self.path(name)
        self._ensure_dir()
        with tempfile.TemporaryDirectory(prefix="itest-") as local_dir:
            local = Path(local_dir) / name
            local.write_text(content)
            local.chmod(0o600)
            self.juju.scp(local, f"{self.unit}:{self.path(name)}", container=self.container)
        self._copied[name] = digest
        return self.path(name)

    def run(self, body: str, *, environment: Mapping[str, str] | None = None) -> ToolRun:
        """Runs `body` (sh) in the scratch directory after the JVM preamble."""
        exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in (environment or {}).items())
        script = (
            "exec 2>&1\n"
            f"cd {shlex.quote(self.dir)} || exit 1\n"
            f"{SCRIPT_PREAMBLE}{exports}"
            f"step() {{\n{body}\n}}\n"
            "step\n"
            f'echo "{EXIT_MARK}$?"\n'
        )
        path = self.put("step.sh", script)
        try:
            output = self.juju.ssh(self.unit, "sh", path, container=self.container)
        except jubilant.CLIError as error:
            output = f"{error.output or ''}\n{error.stderr or ''}"
        output = redact(output)
        codes = re.findall(rf"^{re.escape(EXIT_MARK)}(\d+)\s*$", output, flags=re.MULTILINE)
        exit_code = int(codes[-1]) if codes else -1
        kept = "\n".join(line for line in output.splitlines() if not line.startswith(EXIT_MARK))
        if exit_code != 0:
            # The container may have been replaced (and the directory lost): copy everything again.
            self._created = False
            self._copied.clear()
        return ToolRun(exit_code=exit_code, output=kept)

    def remove(self) -> None:
        """Deletes the scratch directory (and the credentials in it); best effort."""
        if not self._created:
            return
        try:
            self.juju.ssh(self.unit, "rm", "-rf", self.dir, container=self.container)
        except jubilant.CLIError as error:
            logger.warning("could not remove %s from %s: %s", self.dir, self.unit, redact(str(error)))
