"""An in-place upgrade as an operator runs it, for either charm: `juju trust`,
`pre-upgrade-check`, `juju refresh` with a charm file, `resume-upgrade` once the first unit
is through, and the application settled again. Applications of two units or more.

Both charms speak data-platform-libs' `DataUpgrade` protocol on the `upgrade` peer relation and
move the StatefulSet's rolling-update partition through the Kubernetes API, which needs the
application trusted with cluster scope (their READMEs). Between the stages the caller's
`clients_work` runs: before the refresh, right after `resume-upgrade` was accepted (the first
unit on the new charm, the others about to roll) and at the end.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import jubilant

from helpers import SETTLE_TIMEOUT, eventually, run_action, units, wait_settled

logger = logging.getLogger(__name__)


def upgrade_stack(results: dict) -> list[int]:
    """The unit numbers of `pre-upgrade-check`'s `upgrade-stack` result (`[0, 1, 2]`)."""
    stack = str(results.get("upgrade-stack", ""))
    assert re.fullmatch(r"\[\s*\d+(\s*,\s*\d+)*\s*\]", stack), f"upgrade-stack is {stack!r}"
    return [int(number) for number in re.findall(r"\d+", stack)]


def refresh_in_place(
    juju: jubilant.Juju,
    app: str,
    charm: Path,
    resources: dict[str, str],
    *settled_apps: str,
    clients_work: Callable[[], None],
) -> None:
    """Upgrades `app` to `charm` unit by unit, checking `clients_work` at every stage."""
    juju.trust(app, scope="cluster")
    wait_settled(juju, *settled_apps)
    revision_before = juju.status().apps[app].charm_rev

    # A refused check writes nothing, so it may be retried (the trust may take a moment to
    # reach the API server's authorisation).
    checked = eventually(
        lambda: run_action(juju, f"{app}/leader", "pre-upgrade-check"), what=f"pre-upgrade-check on {app}"
    )
    stack = upgrade_stack(checked)
    numbers = sorted(int(unit.rsplit("/", 1)[1]) for unit in units(juju, app))
    # Every unit, the highest last: it is on top of the stack and goes first.
    assert stack == numbers, f"the upgrade stack {stack} is not every unit of {app}, highest last ({numbers})"
    logger.info("pre-upgrade-check: %s", checked.get("message", ""))
    clients_work()

    juju.refresh(app, path=charm, resources=resources)

    # The highest unit goes first; the leader refuses resume-upgrade until exactly that one
    # completed, and then names the next one down.
    def resume() -> dict:
        try:
            return run_action(juju, f"{app}/leader", "resume-upgrade")
        except TimeoutError as error:  # the leader's pod being replaced: try again
            raise AssertionError(f"resume-upgrade timed out: {error}") from error

    resumed = eventually(resume, what=f"resume-upgrade on {app} (first unit upgraded)", timeout=SETTLE_TIMEOUT)
    message = str(resumed.get("message", ""))
    assert message == f"Upgrade will resume on unit {numbers[-2]}", f"resume-upgrade said {message!r}"
    # The first unit runs the new charm; the others start rolling now.
    clients_work()

    wait_settled(juju, *settled_apps)
    status = juju.status()
    assert status.apps[app].charm_rev != revision_before, f"{app} still runs charm revision {revision_before}"
    clients_work()
