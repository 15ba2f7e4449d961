"""Fixtures for the integration tests on a real Juju controller (a Kubernetes cloud).

- `zookeeper_charm`, `kafka_charm`: the packed charms. Taken from ZOOKEEPER_CHARM / KAFKA_CHARM
  when set, else packed once per session with charm-pack into build/.
- `zookeeper_image`, `kafka_image`: the OCI images given as the charms' resources. Taken from
  ZOOKEEPER_IMAGE / KAFKA_IMAGE when set, else the `upstream-source` of charmcraft.yaml.
- `juju`: a fresh model per test module (jubilant.temp_model), destroyed afterwards unless
  `--keep-models`; on failure the end of `juju debug-log` is printed, secrets masked.
- `scenario`: a namespace where one step leaves what a later step of the module needs.

Scenario modules are marked `incremental`: their tests are steps on one model, so once a step
fails the later ones are skipped instead of failing for the same reason.

Nothing here runs juju or cargo while collecting (`pytest --collect-only` needs neither).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import jubilant
import pytest
import yaml

from helpers import install_log_redaction, redact

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO / "build"

# Faster retries for the charms: work that waits on another unit (a restart lock, a quorum
# member to sync) is retried on update-status, every 5 minutes by default.
MODEL_CONFIG = {"update-status-hook-interval": "60s"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("juju", "integration tests on a real Juju")
    group.addoption(
        "--keep-models",
        action="store_true",
        default=False,
        help="keep the temporary models after the tests (to inspect them with juju status/debug-log)",
    )
    group.addoption(
        "--controller",
        default=os.environ.get("JUJU_CONTROLLER"),
        help="controller to add the temporary models to (default: $JUJU_CONTROLLER, else the current one)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "incremental: steps of one scenario on one model; after a failed step the rest are skipped"
    )
    install_log_redaction()


# --- incremental scenarios -----------------------------------------------------------------

_failed_step = pytest.StashKey[dict]()


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    if "incremental" not in item.keywords or call.excinfo is None:
        return
    if call.excinfo.errisinstance(pytest.skip.Exception):
        return
    failed = item.config.stash.setdefault(_failed_step, {})
    failed.setdefault(item.parent.nodeid if item.parent else "", item.name)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if "incremental" not in item.keywords:
        return
    failed = item.config.stash.get(_failed_step, {}).get(item.parent.nodeid if item.parent else "")
    if failed:
        pytest.skip(f"an earlier step of this scenario failed: {failed}")


# --- charms and images ---------------------------------------------------------------------


def _charm(name: str, variable: str) -> Path:
    """The packed charm `name`: $variable if set, else charm-pack's output in build/."""
    given = os.environ.get(variable)
    if given:
        path = Path(given).resolve()
        if not path.is_file():
            pytest.fail(f"{variable}={given} is not a file")
        return path
    BUILD_DIR.mkdir(exist_ok=True)
    packed = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "charm-pack", "--", f"charms/{name}", "-o", str(BUILD_DIR)],
        cwd=REPO,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    # charm-pack prints the archive's path last.
    path = Path(packed.stdout.strip().splitlines()[-1])
    return path if path.is_absolute() else (REPO / path).resolve()


def _image(charm: str, resource: str, variable: str) -> str:
    """The OCI image for `resource`: $variable if set, else charmcraft.yaml's upstream-source."""
    given = os.environ.get(variable)
    if given:
        return given
    meta = yaml.safe_load((REPO / "charms" / charm / "charmcraft.yaml").read_text())
    return meta["resources"][resource]["upstream-source"]


@pytest.fixture(scope="session")
def zookeeper_charm() -> Path:
    return _charm("zookeeper-k8s", "ZOOKEEPER_CHARM")


@pytest.fixture(scope="session")
def kafka_charm() -> Path:
    return _charm("kafka-k8s", "KAFKA_CHARM")


@pytest.fixture(scope="session")
def zookeeper_image() -> str:
    return _image("zookeeper-k8s", "zookeeper-image", "ZOOKEEPER_IMAGE")


@pytest.fixture(scope="session")
def kafka_image() -> str:
    return _image("kafka-k8s", "kafka-image", "KAFKA_IMAGE")


@pytest.fixture(scope="session")
def charmhub_channels() -> dict[str, str]:
    """Channels of the Charmhub charms the scenarios use (as in bundles/kafka-k8s/bundle.yaml)."""
    return {
        "self-signed-certificates": os.environ.get("SELF_SIGNED_CERTIFICATES_CHANNEL", "latest/stable"),
        "data-integrator": os.environ.get("DATA_INTEGRATOR_CHANNEL", "latest/stable"),
    }


# --- the model -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def juju(request: pytest.FixtureRequest) -> Iterator[jubilant.Juju]:
    keep = request.config.getoption("--keep-models")
    controller = request.config.getoption("--controller")
    with jubilant.temp_model(keep=keep, controller=controller, config=MODEL_CONFIG) as juju:
        juju.wait_timeout = 30 * 60
        yield juju
        if request.session.testsfailed:
            try:
                log = juju.debug_log(limit=1000)
            except jubilant.CLIError as error:
                log = f"(juju debug-log failed: {error})"
            print(f"\n--- juju debug-log of {juju.model} (last 1000 lines, secrets masked) ---")
            print(redact(log), end="")
        if keep:
            print(f"\nkept model {juju.model}")


@pytest.fixture(scope="module")
def scenario() -> SimpleNamespace:
    """What earlier steps of a scenario found (users, passwords, payloads) for later steps."""
    return SimpleNamespace()
