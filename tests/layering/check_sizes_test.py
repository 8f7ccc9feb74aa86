#!/usr/bin/env python3
"""The size check fails on each kind of violation it promises to catch.

Builds small exporter/ trees in a temporary directory, one violation (or one
justified exception) at a time, and checks the exit code and the message.
Usage: check_sizes_test.py
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_sizes.py")


def function(name, body_lines, comment=None):
    head = [comment] if comment else []
    return head + [f"int {name}(int x) {{"] + ["  x += 1;"] * body_lines + ["  return x;", "}"]


CASES = [
    # (name, lines of exporter/m/src/a.cc, expected exit code, expected text)
    ("a short file", function("Short", 10), 0, "none over 500 lines"),
    ("a file over 500 lines", ["// x"] * 501, 1, "a.cc: 501 lines"),
    ("a long file that says why",
     ["// Long file: a generated table"] + ["// x"] * 600, 0, "none over 500"),
    ("a function over 80 lines", function("TooLong", 80), 1,
     "a.cc:1: TooLong: 83 lines"),
    ("a long function that says why",
     function("Justified", 80, "// Long function: one table"), 0, "no function over 80"),
    ("a member function over 80 lines",
     ["class C {", " public:"] + ["  " + l for l in function("Member", 80)] + ["};"], 1,
     "Member: 83 lines"),
]


def main():
    failures = 0
    for name, lines, want_code, want_text in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "exporter", "m", "src"))
            with open(os.path.join(tmp, "exporter", "m", "src", "a.cc"), "w",
                      encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            p = subprocess.run([sys.executable, CHECK, tmp], capture_output=True, text=True)
            out = p.stdout + p.stderr
            if p.returncode != want_code or want_text not in out:
                failures += 1
                print(f"FAIL {name}: exit {p.returncode} (want {want_code}), "
                      f"output lacks {want_text!r}:\n{out}")
            else:
                print(f"ok   {name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
