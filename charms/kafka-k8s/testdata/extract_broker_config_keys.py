#!/usr/bin/env python3
"""Extract the broker configuration key names of one Apache Kafka version.

Two sources, both Kafka's own config definitions:

* ``source``: a git checkout of apache/kafka at a release tag. Reads
  ``server/src/main/java/org/apache/kafka/server/config/AbstractKafkaConfig.java``
  (``CONFIG_DEF = Utils.mergeConfigs(...)``, which ``KafkaConfig.configDef`` is in
  3.8+), follows every ConfigDef it merges to its Java file, collects the first
  argument of each ``.define(``/``.defineInternal(`` call, and resolves the
  ``String`` constants (literals, ``Class.CONSTANT`` references, ``+``
  concatenations) from the Java sources at the same tag. Exits non-zero when
  a name cannot be resolved, so a format change is noticed, not skipped.
* ``html``: the ``generated/kafka_config.html`` page that Kafka's build writes
  with ``KafkaConfig.configDef.toHtml`` (published in apache/kafka-site as
  ``<version>/generated/kafka_config.html``); keys are the
  ``id="brokerconfigs_<key>"`` anchors. Internal configs are not in it.

Output: one key per line, sorted, on stdout.

    extract_broker_config_keys.py source --git-dir /path/to/kafka/.git --ref 3.9.0-rc3
    extract_broker_config_keys.py html kafka_config.html
"""

import argparse
import re
import subprocess
import sys

ABSTRACT = "server/src/main/java/org/apache/kafka/server/config/AbstractKafkaConfig.java"


class Repo:
    def __init__(self, git_dir, ref):
        self.git_dir, self.ref = git_dir, ref
        out = self._git("ls-tree", "-r", "--name-only", ref)
        self.java = [p for p in out.splitlines() if p.endswith(".java") and "/src/main/java/" in p]
        self._cache = {}

    def _git(self, *args):
        return subprocess.run(["git", "--git-dir", self.git_dir, *args], check=True,
                              capture_output=True, text=True).stdout

    def read(self, path):
        if path not in self._cache:
            self._cache[path] = strip_comments(self._git("show", f"{self.ref}:{path}"))
        return self._cache[path]

    def class_file(self, name, near=None):
        hits = [p for p in self.java if p.endswith("/" + name + ".java")]
        if len(hits) > 1 and near:
            # Prefer the file the referring file imports, else the same package.
            text = self.read(near)
            imported = [p for p in hits if ("import " + p.split("/src/main/java/")[1][:-5].replace("/", ".") + ";") in text]
            same_pkg = [p for p in hits if p.rsplit("/", 1)[0] == near.rsplit("/", 1)[0]]
            hits = imported or same_pkg or hits
        if len(hits) != 1:
            raise SystemExit(f"cannot locate class {name}: {hits}")
        return hits[0]


def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def balanced(text, start, close=";"):
    """Text from start up to (not including) the first `close` at nesting depth 0."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return text[start:i]
            depth -= 1
        elif c == close and depth == 0:
            return text[start:i]
        i += 1
    raise SystemExit("unbalanced expression")


def first_arg(text, start):
    return balanced(text, start, close=",").strip()


def constant_expr(repo, path, name):
    text = repo.read(path)
    m = re.search(r"\bString\s+" + re.escape(name) + r"\s*=", text)
    if not m:
        return None
    return balanced(text, m.end()).strip()


def resolve(repo, path, expr, depth=0):
    if depth > 20:
        raise SystemExit(f"constant cycle at {expr}")
    parts, i, expr = [], 0, expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        expr = expr[1:-1].strip()
    synonym = re.fullmatch(r"(?:ServerTopicConfigSynonyms\.)?serverSynonym\((.+)\)", expr, re.S)
    if synonym:
        return server_synonym(repo, resolve(repo, path, synonym.group(1), depth + 1))
    tokens = re.findall(r'"(?:\\.|[^"\\])*"|[A-Za-z_][\w.]*|\+|\S', expr)
    for tok in tokens:
        if tok == "+":
            continue
        if tok.startswith('"'):
            parts.append(bytes(tok[1:-1], "utf-8").decode("unicode_escape"))
            continue
        if not re.fullmatch(r"[A-Za-z_][\w.]*", tok):
            raise SystemExit(f"{path}: cannot evaluate {expr!r}")
        parts.append(resolve_name(repo, path, tok, depth))
    return "".join(parts)


SYNONYM_PREFIX = {
    "sameName": "", "single": "",
    "sameNameWithLogPrefix": "log.", "singleWithLogPrefix": "log.", "listWithLogPrefix": "log.",
    "sameNameWithLogCleanerPrefix": "log.cleaner.", "singleWithLogCleanerPrefix": "log.cleaner.",
}


def server_synonym(repo, topic_config):
    """ServerTopicConfigSynonyms.serverSynonym: the first broker synonym of a topic config."""
    path = repo.class_file("ServerTopicConfigSynonyms")
    text = repo.read(path)
    table = balanced(text, re.search(r"ALL_TOPIC_CONFIG_SYNONYMS\s*=", text).end())
    for m in re.finditer(r"\b(\w+)\((TopicConfig\.\w+)\s*(?:,\s*(?:\"([^\"]*)\"|new ConfigSynonym\(\"([^\"]*)\"))?", table):
        helper, const, single, first = m.groups()
        if helper not in SYNONYM_PREFIX or resolve(repo, path, const) != topic_config:
            continue
        return SYNONYM_PREFIX[helper] + (single or first or topic_config)
    raise SystemExit(f"no server synonym for {topic_config}")


def resolve_name(repo, path, name, depth):
    if "." in name:
        cls, const = name.rsplit(".", 1)
        cls = cls.rsplit(".", 1)[-1]
        target = repo.class_file(cls, near=path)
        expr = constant_expr(repo, target, const)
        if expr is None:
            raise SystemExit(f"{target}: no String constant {const}")
        return resolve(repo, target, expr, depth + 1)
    expr = constant_expr(repo, path, name)
    if expr is not None:
        return resolve(repo, path, expr, depth + 1)
    # Static imports: `import static a.b.Class.NAME;` or `import static a.b.Class.*;`
    text = repo.read(path)
    for m in re.finditer(r"import\s+static\s+([\w.]+)\.(\w+|\*)\s*;", text):
        if m.group(2) in (name, "*"):
            target = repo.class_file(m.group(1).rsplit(".", 1)[-1], near=path)
            expr = constant_expr(repo, target, name)
            if expr is not None:
                return resolve(repo, target, expr, depth + 1)
    raise SystemExit(f"{path}: cannot resolve {name}")


def keys_from_source(git_dir, ref):
    repo = Repo(git_dir, ref)
    abstract = repo.read(ABSTRACT)
    m = re.search(r"CONFIG_DEF\s*=\s*Utils\.mergeConfigs\(\s*Arrays\.asList\(", abstract)
    if not m:
        raise SystemExit("AbstractKafkaConfig.CONFIG_DEF is not a mergeConfigs(asList(...))")
    members = [s.strip() for s in balanced(abstract, m.end(), close="\0").split(",") if s.strip()]
    keys = {}
    for member in members:
        mm = re.fullmatch(r"(\w+)\.(\w+)(\(\))?", member)
        if not mm:
            raise SystemExit(f"unexpected merged config {member!r}")
        cls, field, call = mm.groups()
        path = repo.class_file(cls, near=ABSTRACT)
        text = repo.read(path)
        if call:
            fm = re.search(r"\b" + field + r"\s*\(\s*\)\s*\{", text)
            body_start = fm and text.find("return", fm.end())
        else:
            fm = re.search(r"\bConfigDef\s+" + field + r"\s*=", text)
            body_start = fm and fm.end()
        if not fm:
            raise SystemExit(f"{path}: no ConfigDef {field}")
        body = balanced(text, body_start)
        for dm in re.finditer(r"\.define(?:Internal)?\(", body):
            key = resolve(repo, path, first_arg(body, dm.end()))
            keys.setdefault(key, f"{cls}.{field}")
    return keys


def keys_from_html(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return {k: "html" for k in re.findall(r'id="brokerconfigs_([^"]+)"', text)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    src = sub.add_parser("source")
    src.add_argument("--git-dir", required=True)
    src.add_argument("--ref", required=True)
    html = sub.add_parser("html")
    html.add_argument("file")
    args = parser.parse_args()
    keys = keys_from_source(args.git_dir, args.ref) if args.mode == "source" else keys_from_html(args.file)
    if not keys:
        raise SystemExit("no keys found")
    sys.stdout.write("".join(k + "\n" for k in sorted(keys)))


if __name__ == "__main__":
    main()
