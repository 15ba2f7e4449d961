#!/usr/bin/env python3
"""Extract the configuration key names of one Cruise Control version.

Reads linkedin/cruise-control at a release tag (and apache/kafka at the Kafka version
that tag builds against, ``kafkaVersion`` in its ``gradle.properties``, because Cruise
Control takes many names from Kafka's classes) and prints one key per line, sorted.

Two lists:

* ``cruisecontrol``: the keys ``cruisecontrol.properties`` may hold.
  - ``KafkaCruiseControlConfig``'s ``CONFIG``: every ``X.define(...)`` it chains
    (``AnalyzerConfig``, ``MonitorConfig``, ``WebServerConfig``, ...) is followed to
    ``public static ConfigDef define(ConfigDef configDef)`` in ``X``; the first argument of
    each ``.define(`` is resolved to its String value. ``.withClientSslSupport()`` and
    ``.withClientSaslSupport()`` add the keys of Kafka's
    ``SslConfigs.addClientSslSupport`` / ``SaslConfigs.addClientSaslSupport``.
  - keys read by the pluggable classes the charm configures, which Cruise Control hands
    the whole configuration to (``configure(Map)``): the public dotted String constants
    of ``KafkaSampleStore``, ``CruiseControlMetricsReporterSampler`` and
    ``BrokerCapacityConfigFileResolver``.
* ``reporter``: the broker-side ``CruiseControlMetricsReporterConfig`` ConfigDef (keys
  under ``cruise.control.metrics.reporter.`` and ``cruise.control.metrics.topic*``). The
  reporter also passes every ``cruise.control.metrics.reporter.<producer config>`` to its
  producer; the test allows those for the client keys of the first list.

Constants are resolved from the sources at the given tags: string literals, ``+``
concatenations, ``Class.CONSTANT`` in either repository, and Scala ``KafkaConfig.XProp()``
(``val XProp = ...`` in ``core/src/main/scala/kafka/server/KafkaConfig.scala``). It exits
non-zero on anything it cannot resolve.

    extract_cruise_control_config_keys.py cruisecontrol \\
        --cc-git-dir /path/to/cruise-control.git --cc-ref 2.5.141 \\
        --kafka-git-dir /path/to/kafka.git --kafka-ref 3.5.1
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extract_broker_config_keys import balanced, first_arg, strip_comments  # noqa: E402

CC_CONFIG = "cruise-control/src/main/java/com/linkedin/kafka/cruisecontrol/config/KafkaCruiseControlConfig.java"
REPORTER_CONFIG = ("cruise-control-metrics-reporter/src/main/java/com/linkedin/kafka/cruisecontrol/"
                   "metricsreporter/CruiseControlMetricsReporterConfig.java")
PLUGINS = ["KafkaSampleStore", "CruiseControlMetricsReporterSampler", "BrokerCapacityConfigFileResolver"]
KAFKA_CONFIG_SCALA = "core/src/main/scala/kafka/server/KafkaConfig.scala"


class Repos:
    """Java sources of Cruise Control and Kafka at fixed refs, looked up by class name."""

    def __init__(self, cc_git, cc_ref, kafka_git, kafka_ref):
        self.trees = [(cc_git, cc_ref), (kafka_git, kafka_ref)]
        self.files = {}
        for git_dir, ref in self.trees:
            out = self._git(git_dir, "ls-tree", "-r", "--name-only", ref)
            for p in out.splitlines():
                if p.endswith(".java") and "/src/main/java/" in p:
                    self.files.setdefault(p, (git_dir, ref))
        self._cache = {}

    @staticmethod
    def _git(git_dir, *args):
        return subprocess.run(["git", "--git-dir", git_dir, *args], check=True,
                              capture_output=True, text=True).stdout

    def read(self, path, tree=None):
        key = (path, tree)
        if key not in self._cache:
            git_dir, ref = tree or self.files[path]
            self._cache[key] = strip_comments(self._git(git_dir, "show", f"{ref}:{path}"))
        return self._cache[key]

    def class_file(self, name, near=None):
        hits = [p for p in self.files if p.endswith("/" + name + ".java")]
        if len(hits) > 1 and near:
            text = self.read(near)
            imported = [p for p in hits
                        if ("import " + p.split("/src/main/java/")[1][:-5].replace("/", ".") + ";") in text]
            same_pkg = [p for p in hits if p.rsplit("/", 1)[0] == near.rsplit("/", 1)[0]]
            hits = imported or same_pkg or hits
        if len(hits) != 1:
            raise SystemExit(f"cannot locate class {name}: {hits}")
        return hits[0]


def constant_expr(text, name):
    m = re.search(r"\bString\s+" + re.escape(name) + r"\s*=", text)
    return balanced(text, m.end()).strip() if m else None


def resolve(repos, path, expr, depth=0):
    if depth > 20:
        raise SystemExit(f"constant cycle at {expr}")
    expr = expr.strip()
    scala = re.fullmatch(r"KafkaConfig\.(\w+)\(\)", expr)
    if scala:
        text = repos.read(KAFKA_CONFIG_SCALA, repos.trees[1])
        m = re.search(r"\bval\s+" + scala.group(1) + r"\s*=\s*([^\n]+)", text)
        if not m:
            raise SystemExit(f"KafkaConfig.scala: no val {scala.group(1)}")
        inner = m.group(1).strip()
        if not inner.startswith('"'):
            raise SystemExit(f"KafkaConfig.scala: {scala.group(1)} = {inner} is not a literal")
        return resolve(repos, path, inner, depth + 1)
    parts = []
    for tok in re.findall(r'"(?:\\.|[^"\\])*"|[A-Za-z_][\w.]*(?:\(\))?|\+|\S', expr):
        if tok == "+":
            continue
        if tok.startswith('"'):
            parts.append(bytes(tok[1:-1], "utf-8").decode("unicode_escape"))
        elif tok.endswith("()"):
            parts.append(resolve(repos, path, tok, depth + 1))
        elif re.fullmatch(r"[A-Za-z_][\w.]*", tok):
            parts.append(resolve_name(repos, path, tok, depth))
        else:
            raise SystemExit(f"{path}: cannot evaluate {expr!r}")
    return "".join(parts)


def resolve_name(repos, path, name, depth):
    if "." in name:
        cls, const = name.rsplit(".", 1)
        target = repos.class_file(cls.rsplit(".", 1)[-1], near=path)
        expr = constant_expr(repos.read(target), const)
        if expr is None:
            raise SystemExit(f"{target}: no String constant {const}")
        return resolve(repos, target, expr, depth + 1)
    expr = constant_expr(repos.read(path), name)
    if expr is not None:
        return resolve(repos, path, expr, depth + 1)
    raise SystemExit(f"{path}: cannot resolve {name}")


def define_keys(repos, path, body):
    return [resolve(repos, path, first_arg(body, m.end())) for m in re.finditer(r"\.define(?:Internal)?\(", body)]


def method_body(text, signature):
    m = re.search(signature, text)
    if not m:
        raise SystemExit(f"no method matching {signature}")
    return balanced(text, text.index("{", m.end()) + 1, close="\0")


def cruise_control_keys(repos):
    keys = set()
    text = repos.read(CC_CONFIG)
    m = re.search(r"\bCONFIG\s*=", text)
    chain = balanced(text, m.end())
    for cls in re.findall(r"\b(\w+)\.define\(", chain):
        path = repos.class_file(cls, near=CC_CONFIG)
        body = method_body(repos.read(path), r"public\s+static\s+ConfigDef\s+define\s*\(\s*ConfigDef\s+\w+\s*\)")
        keys.update(define_keys(repos, path, body))
    for method, cls, adder in [("withClientSslSupport", "SslConfigs", "addClientSslSupport"),
                               ("withClientSaslSupport", "SaslConfigs", "addClientSaslSupport")]:
        if f".{method}()" not in chain:
            continue
        path = repos.class_file(cls)
        body = method_body(repos.read(path), r"\bvoid\s+" + adder + r"\s*\(\s*ConfigDef\s+\w+\s*\)")
        keys.update(define_keys(repos, path, body))
    for cls in PLUGINS:
        path = repos.class_file(cls)
        for m in re.finditer(r"public\s+static\s+final\s+String\s+(\w+)\s*=", repos.read(path)):
            value = resolve(repos, path, balanced(repos.read(path), m.end()))
            if re.fullmatch(r"[a-z][a-z0-9]*(\.[a-zA-Z0-9]+)+", value):
                keys.add(value)
    return keys


def reporter_keys(repos):
    text = repos.read(REPORTER_CONFIG)
    m = re.search(r"\bCONFIG\s*=\s*new\s+ConfigDef\(\)", text)
    return set(define_keys(repos, REPORTER_CONFIG, balanced(text, m.end())))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("list", choices=["cruisecontrol", "reporter"])
    parser.add_argument("--cc-git-dir", required=True)
    parser.add_argument("--cc-ref", required=True)
    parser.add_argument("--kafka-git-dir", required=True)
    parser.add_argument("--kafka-ref", required=True)
    args = parser.parse_args()
    repos = Repos(args.cc_git_dir, args.cc_ref, args.kafka_git_dir, args.kafka_ref)
    keys = cruise_control_keys(repos) if args.list == "cruisecontrol" else reporter_keys(repos)
    if not keys:
        raise SystemExit("no keys found")
    sys.stdout.write("".join(k + "\n" for k in sorted(keys)))


if __name__ == "__main__":
    main()
