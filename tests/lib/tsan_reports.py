#!/usr/bin/env python3
"""Judges the ThreadSanitizer reports of `make tsan` (every process's
log_path files in one folder).

A report fails the run when one of its access stacks (the racing read or
write and the previous access, before "Location is", "Mutex", "Thread T..
created by") names a source file of ours (exporter/, tests/, bench/): that
is a race in our code or in a library call our code made. A report whose
every restored access stack lies wholly inside uninstrumented libraries
(Debian's cpp-httplib's thread pool, libstdc++, OpenSSL: their internal
synchronisation is invisible to TSan) is printed as library-internal and
does not fail; neither does a stack TSan failed to restore when the other
access is library-internal. Any other report (a deadlock, a signal, a report
this script cannot read) fails.

usage: tsan_reports.py DIR   (exit 1 when a report fails the run)
"""
import os
import re
import sys

OURS = re.compile(r"(^|[\s/])(exporter|tests|bench)/\S+\.(cc|h):\d+")
ACCESS = re.compile(r"^  (Read|Write|Atomic read|Atomic write|Previous (read|write|atomic read|atomic write))\b")
END_OF_ACCESSES = re.compile(r"^  (Location is|Mutex M|Thread T|Issue is caused)")


def reports(text):
    """The WARNING blocks of one log file."""
    blocks = re.split(r"^==================\n", text, flags=re.M)
    return [b for b in blocks if b.startswith("WARNING: ThreadSanitizer")]


def access_stacks(block):
    """The frames of each access stack, a list of lists of lines."""
    stacks, current = [], None
    for line in block.splitlines():
        if END_OF_ACCESSES.match(line):
            break
        if ACCESS.match(line):
            current = []
            stacks.append(current)
        elif current is not None and line.strip():
            current.append(line.strip())
    return stacks


def judge(block):
    """'ours', 'library' or 'unknown'."""
    if not block.startswith("WARNING: ThreadSanitizer: data race"):
        return "unknown"
    stacks = access_stacks(block)
    if not stacks:
        return "unknown"
    restored = [s for s in stacks if s and "[failed to restore the stack]" not in s]
    if any(OURS.search(frame) for s in restored for frame in s):
        return "ours"
    return "library" if restored else "unknown"


def main():
    folder = sys.argv[1]
    failing = library = 0
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), errors="replace") as f:
            text = f.read()
        for block in reports(text):
            verdict = judge(block)
            head = f"--- {name}: {verdict}"
            if verdict == "library":
                library += 1
                print(head + " (inside uninstrumented libraries only; not a failure)")
            else:
                failing += 1
                print(head)
            print(block)
    print(f"ThreadSanitizer: {failing} report(s) naming our code or unreadable, "
          f"{library} library-internal: {folder}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
