#!/usr/bin/env python3
"""The layering check fails on each kind of violation it promises to catch.

Copies ARCHITECTURE.md and exporter/ into a temporary tree, checks that the
copy passes, then breaks it one way at a time and checks the message.
Usage: check_includes_test.py REPO_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_includes.py")


def run(root):
    p = subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def main():
    repo = sys.argv[1]
    failures = 0
    cases = [
        ("a module includes one it may not",
         lambda t: append(f"{t}/exporter/parse/src/parser.cc", '#include "app/http_server.h"\n'),
         "parse may not depend on app"),
        ("an outside library outside its module",
         lambda t: append(f"{t}/exporter/model/src/types.cc", "#include <curl/curl.h>\n"),
         "model may not use libcurl"),
        ("another module's private header",
         lambda t: append(f"{t}/exporter/metrics/src/self_metrics.cc", '#include "yaml_decode.h"\n'),
         "not a private header of metrics"),
        ("a header that is not public",
         lambda t: append(f"{t}/exporter/collection/src/refresher.cc", '#include "config/yaml_decode.h"\n'),
         "not a public header"),
        ("a private header in a public one",
         lambda t: append(f"{t}/exporter/config/include/config/config.h", '#include "yaml_decode.h"\n'),
         "a public header includes a private one"),
        ("an include without the link",
         lambda t: replace(f"{t}/exporter/parse/CMakeLists.txt", "vb365_common", ""),
         "includes common's headers but does not link vb365_common"),
        ("a module without a table row",
         lambda t: os.makedirs(f"{t}/exporter/newmodule/src"),
         "exporter/newmodule: no row"),
    ]
    for name, breaker, expected in [("the tree as it is", None, None)] + cases:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(repo, "ARCHITECTURE.md"), tmp)
            shutil.copytree(os.path.join(repo, "exporter"), os.path.join(tmp, "exporter"))
            if breaker:
                breaker(tmp)
            code, out = run(tmp)
            ok = (code == 0) if expected is None else (code == 1 and expected in out)
            print(f"{'ok  ' if ok else 'FAIL'} {name}: exit {code}")
            if not ok:
                failures += 1
                print("  expected:", expected or "exit 0", "\n  output:", out.strip()[:2000])
    print(f"{len(cases) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


def replace(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, (path, old)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


if __name__ == "__main__":
    sys.exit(main())
