#!/usr/bin/env python3
"""A plain ops charm: relation data both ways, a secret read and one created."""

import datetime
import logging

import ops

logger = logging.getLogger(__name__)


class PyProbe(ops.CharmBase):
    def __init__(self, framework):
        super().__init__(framework)
        for event in (
            self.on.install,
            self.on.leader_elected,
            self.on.config_changed,
            self.on.start,
            self.on.client_relation_joined,
            self.on.client_relation_changed,
            self.on.secret_changed,
            self.on.update_status,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on.show_action, self._on_show)

    def _reconcile(self, event):
        logger.info("pyprobe-event %s", type(event).__name__)
        for rel in self.model.relations["client"]:
            rel.data[self.unit]["py-unit"] = self.unit.name
            if self.unit.is_leader():
                rel.data[self.app]["py-app"] = self.config["message"]
            uri = rel.data[rel.app].get("secret-uri")
            if uri:
                secret = self.model.get_secret(id=uri)
                content = secret.get_content(refresh=True)
                rel.data[self.unit]["py-saw-password"] = content["password"]
            if self.unit.is_leader():
                own = self._own_secret()
                own.grant(rel)
                rel.data[self.app]["py-secret"] = own.id
        self.unit.status = ops.ActiveStatus("python ok")

    def _own_secret(self):
        try:
            secret = self.model.get_secret(label="py-own")
        except ops.SecretNotFoundError:
            secret = self.app.add_secret(
                {"token": "py-token"},
                label="py-own",
                expire=datetime.timedelta(hours=1),
            )
        info = secret.get_info()
        logger.info("py-own expires %s revision %s", info.expires.isoformat(), info.revision)
        return secret

    def _on_show(self, event):
        rels = self.model.relations["client"]
        data = {}
        if rels:
            rel = rels[0]
            data["remote-app"] = rel.app.name
            data["remote-greeting"] = rel.data[next(iter(rel.units))].get("greeting", "") if rel.units else ""
            data["remote-app-name"] = rel.data[rel.app].get("app", "")
        data["leader"] = str(self.unit.is_leader())
        event.set_results(data)


if __name__ == "__main__":
    ops.main(PyProbe)
