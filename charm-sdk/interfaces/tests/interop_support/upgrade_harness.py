"""Drives data-platform-libs' real `upgrade.py` (DataUpgrade, K8s substrate) with ops' Harness.

Used by `tests/upgrade_contract.rs`: `python upgrade_harness.py python-writes` prints the bags
the library writes for three idle units after `pre-upgrade-check`; `rust-writes` reads bags
(JSON on stdin: {"app": {...}, "states": {unit: state}}) and prints what the library makes of
them, then runs `resume-upgrade`. The library is imported from $DATA_PLATFORM_LIBS/lib.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["DATA_PLATFORM_LIBS"], "lib"))

import ops  # noqa: E402
from charms.data_platform_libs.v0.upgrade import DataUpgrade, DependencyModel  # noqa: E402
from ops.testing import Harness  # noqa: E402
from pydantic import BaseModel  # noqa: E402

APP = "zookeeper-k8s"
DEPS = {"service": {"dependencies": {}, "name": "zookeeper", "upgrade_supported": "^3.6", "version": "3.9.2"}}


class Model(BaseModel):
    service: DependencyModel


class Upgrade(DataUpgrade):
    def pre_upgrade_check(self):
        pass

    def log_rollback_instructions(self):
        pass

    def _set_rolling_update_partition(self, partition):
        self.charm.partitions.append(partition)


class Charm(ops.CharmBase):
    def __init__(self, *args):
        super().__init__(*args)
        self.partitions = []
        self.upgrade = Upgrade(self, dependency_model=Model(**DEPS), substrate="k8s")


def main(mode):
    harness = Harness(
        Charm,
        meta=f"name: {APP}\npeers:\n  upgrade:\n    interface: upgrade\n",
        actions="pre-upgrade-check: {}\nresume-upgrade: {}\n",
    )
    harness.set_leader(True)
    rid = harness.add_relation("upgrade", APP)
    for n in (1, 2):
        harness.add_relation_unit(rid, f"{APP}/{n}")
    harness.begin_with_initial_hooks()
    for n in (1, 2):
        harness.update_relation_data(rid, f"{APP}/{n}", {"state": "idle"})
    if mode == "python-writes":
        out = harness.run_action("pre-upgrade-check")
        result = {
            "app": dict(harness.get_relation_data(rid, APP)),
            "unit0": dict(harness.get_relation_data(rid, f"{APP}/0")),
            "results": out.results,
        }
    else:
        bags = json.loads(sys.stdin.read())
        harness.update_relation_data(rid, APP, bags["app"])
        for unit, state in bags["states"].items():
            if unit != f"{APP}/0":
                harness.update_relation_data(rid, unit, {"state": state})
        upgrade = harness.charm.upgrade
        upgrade._upgrade_stack = None
        result = {
            "stack": upgrade.upgrade_stack,
            "other_states": sorted(upgrade.other_unit_states),
            "dependencies": upgrade.stored_dependencies.dict(),
        }
        result["resume"] = harness.run_action("resume-upgrade").results
        result["partitions"] = harness.charm.partitions
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
