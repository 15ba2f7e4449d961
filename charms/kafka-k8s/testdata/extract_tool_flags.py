#!/usr/bin/env python3
"""Extract the sub-commands and flags of Kafka's storage and metadata quorum tools.

Reads, from a git checkout of apache/kafka at a release tag, the argparse4j definitions of
``kafka-storage`` (``core/src/main/scala/kafka/tools/StorageTool.scala``) and
``kafka-metadata-quorum`` (``tools/src/main/java/org/apache/kafka/tools/MetadataQuorumCommand.java``):
every ``<receiver>.addArgument("--flag"[, "-f"])`` and ``addParser("name")``. Each receiver
variable is mapped to the scope it belongs to (the tool's top level or one sub-command) by
the table below; an unknown receiver stops the script with an error, so a change in the
sources is noticed, not skipped.

Output, one per line, sorted: ``<tool> <scope> <flag>`` (scope ``-`` is the top level) and
``<tool> <scope>`` for each sub-command.

    extract_tool_flags.py --git-dir /path/to/kafka/.git --ref 3.9.0-rc3
"""

import argparse
import re
import subprocess
import sys

SOURCES = {
    "kafka-storage": (
        "core/src/main/scala/kafka/tools/StorageTool.scala",
        {
            # `List(infoParser, formatParser).foreach(parser => parser.addArgument("--config"...`
            "parser": ["info", "format"],
            "formatParser": ["format"],
            "reconfigurableQuorumOptions": ["format"],
        },
    ),
    "kafka-metadata-quorum": (
        "tools/src/main/java/org/apache/kafka/tools/MetadataQuorumCommand.java",
        {
            "connectionOptions": ["-"],
            "parser": ["-"],
            "statusArgs": ["describe"],
            "replicationArgs": ["describe"],
            "addControllerParser": ["add-controller"],
            "removeControllerParser": ["remove-controller"],
        },
    ),
}

ARGUMENT = re.compile(r"(\w+)\s*\.\s*addArgument\(\s*\"(--[a-z0-9-]+)\"")
PARSER = re.compile(r"addParser\(\s*\"([a-z0-9-]+)\"")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--ref", required=True)
    args = ap.parse_args()
    lines = set()
    for tool, (path, scopes) in SOURCES.items():
        text = subprocess.run(
            ["git", "--git-dir", args.git_dir, "show", f"{args.ref}:{path}"],
            check=True, capture_output=True, text=True,
        ).stdout
        # Builder chains split over lines: join them so a receiver and its call meet.
        flat = re.sub(r"\s*\n\s*", " ", text)
        for name in PARSER.findall(flat):
            lines.add(f"{tool} {name}")
        found = 0
        for receiver, flag in ARGUMENT.findall(flat):
            if receiver not in scopes:
                sys.exit(f"{path}: unknown receiver {receiver!r} of {flag}")
            for scope in scopes[receiver]:
                lines.add(f"{tool} {scope} {flag}")
            found += 1
        if found == 0:
            sys.exit(f"{path}: no arguments found")
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
