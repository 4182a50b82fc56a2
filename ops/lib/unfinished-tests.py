#!/usr/bin/env python3
"""Names the tests that a Swift Testing log shows as started but never ended.

ops/test runs it when `swift test` overruns its deadline, so that a hang in CI says where it is.
Usage: unfinished-tests.py LOG
"""
import re
import sys

START = re.compile(r'^◇ (Test|Suite) (".*?"|\S+\(.*?\)|\S+) started')
END = re.compile(r'^[✔✘] (Test|Suite) (".*?"|\S+\(.*?\)|\S+) ')


def main(path):
    started, ended = [], set()
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = START.match(line)
            if match:
                started.append((match.group(1), match.group(2)))
                continue
            match = END.match(line)
            if match:
                ended.add((match.group(1), match.group(2)))
    unfinished = [item for item in started if item not in ended]
    for kind, name in unfinished:
        print(f"  {kind.lower()} {name}")
    if not unfinished:
        print("  (none in the log: the hang is outside any test, or the log was cut)")


if __name__ == "__main__":
    main(sys.argv[1])
