#!/usr/bin/python3
"""Static checks of deploy/docker/Dockerfile (no Docker engine on this machine).

- every instruction is a Dockerfile keyword, continuation lines are joined;
- multi-stage: at least two FROM, all Debian bookworm images, named build
  stage, COPY --from names an earlier stage;
- the final stage runs as a non-root USER, has a HEALTHCHECK with a CMD,
  EXPOSEs a port and has JSON-form ENTRYPOINT/CMD;
- the build stage installs the build dependencies named in the Makefile's
  DEB_PACKAGES that the exporter needs;
- every package either stage installs is known to apt-cache or dpkg (local);
- with --binary: every library the built exporter links directly (NEEDED)
  belongs to a package the final stage installs or to the base image.

Usage: check_dockerfile.py DOCKERFILE [--binary EXPORTER]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

KEYWORDS = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
            "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
            "HEALTHCHECK", "SHELL"}
# Essential packages of debian:bookworm-slim that runtime libraries may come from.
BASE_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g", "libcrypt1"}
BUILD_DEPS = ["cmake", "g++", "pkg-config", "prometheus-cpp-dev", "libcurl4-openssl-dev",
              "libsimdjson-dev", "libyaml-cpp-dev", "libcpp-httplib-dev", "libmicrohttpd-dev", "libssl-dev",
              "zlib1g-dev", "libbrotli-dev"]

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def instructions(text):
    """[(lineno, KEYWORD, args)], comments dropped, backslash continuations joined."""
    out, buf, start = [], "", 0
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are ignored
        if not buf:
            start = n
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, rest = buf.partition(" ")
        out.append((start, word, rest.strip()))
        buf = ""
    check(not buf, "Dockerfile ends inside a continued line")
    return out


def apt_installs(run_args):
    m = re.search(r"apt-get install ([^&;]*)", run_args)
    if not m:
        return []
    return [w for w in m.group(1).split() if not w.startswith("-")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dockerfile")
    ap.add_argument("--binary", help="built vb365_exporter: check its libraries are installed")
    args = ap.parse_args()
    with open(args.dockerfile, encoding="utf-8") as f:
        ins = instructions(f.read())

    stages, current = [], None
    for n, word, rest in ins:
        if not check(word.upper() == word and word in KEYWORDS, f"line {n}: unknown instruction {word!r}"):
            continue
        if word == "FROM":
            m = re.match(r"^(\S+)(?:\s+AS\s+(\S+))?$", rest, re.I)
            check(m, f"line {n}: bad FROM {rest!r}")
            image, name = (m.group(1), m.group(2)) if m else (rest, None)
            check(re.match(r"^debian:bookworm(-slim)?(@sha256:[0-9a-f]{64})?$", image),
                  f"line {n}: base image {image} is not Debian bookworm")
            current = {"image": image, "name": name, "ins": []}
            stages.append(current)
            continue
        if not check(current is not None or word == "ARG", f"line {n}: {word} before the first FROM"):
            continue
        if current is not None:
            current["ins"].append((n, word, rest))
        if word == "COPY":
            m = re.search(r"--from=(\S+)", rest)
            if m:
                earlier = [s["name"] for s in stages[:-1]]
                check(m.group(1) in earlier, f"line {n}: COPY --from={m.group(1)} is not an earlier stage {earlier}")
        if word in ("CMD", "ENTRYPOINT"):
            try:
                check(isinstance(json.loads(rest), list), f"line {n}: {word} must be a JSON array")
            except json.JSONDecodeError as e:
                errors.append(f"line {n}: {word} is not valid JSON ({e})")
    if not check(len(stages) >= 2, f"expected a multi-stage build, found {len(stages)} FROM"):
        return
    check(stages[0]["name"], "the build stage has no name (FROM ... AS build)")
    final = stages[-1]
    words = [w for _, w, _ in final["ins"]]
    users = [r for _, w, r in final["ins"] if w == "USER"]
    check(users, "final stage has no USER")
    if users:
        user = users[-1].split(":")[0]
        check(user not in ("root", "0"), f"final stage runs as {user}")
    hc = [r for _, w, r in final["ins"] if w == "HEALTHCHECK"]
    check(len(hc) == 1 and re.search(r"\bCMD\b", hc[0]), "final stage needs one HEALTHCHECK ... CMD")
    if hc:
        cmd = hc[0][re.search(r"\bCMD\b", hc[0]).end():].strip()
        if cmd.startswith("["):
            try:
                json.loads(cmd)
            except json.JSONDecodeError as e:
                errors.append(f"HEALTHCHECK CMD is not valid JSON ({e})")
    for w in ("EXPOSE", "ENTRYPOINT"):
        check(w in words, f"final stage has no {w}")
    if "USER" in words:
        check("RUN" not in words[words.index("USER"):],
              "RUN after USER in the final stage (it would run unprivileged by surprise)")

    build_pkgs = set()
    for _, w, r in stages[0]["ins"]:
        if w == "RUN":
            build_pkgs |= set(apt_installs(r))
    missing = [p for p in BUILD_DEPS if p not in build_pkgs]
    check(not missing, f"build stage does not install {missing}")
    runtime_pkgs = set()
    for _, w, r in final["ins"]:
        if w == "RUN":
            runtime_pkgs |= set(apt_installs(r))
    check(runtime_pkgs, "final stage installs no runtime packages")
    check(not (runtime_pkgs & set(BUILD_DEPS)), "final stage installs build dependencies")

    all_pkgs = sorted(runtime_pkgs | build_pkgs)
    # One apt-cache call (it exits 0 when only some names are found, so the
    # names it shows are compared); dpkg for what the package lists lack.
    found = set()
    if shutil.which("apt-cache"):
        out = subprocess.run(["apt-cache", "show", "--no-all-versions", *all_pkgs],
                             capture_output=True, text=True).stdout
        found = set(re.findall(r"^Package: (\S+)$", out, re.M))
    for p in all_pkgs:
        if p not in found:
            r = subprocess.run(["dpkg-query", "-W", p], capture_output=True, text=True)
            check(r.returncode == 0, f"package {p} is unknown to apt-cache and dpkg")
    if args.binary and not os.path.exists(args.binary):
        print(f"note: {args.binary} is not built; library check skipped")
    elif args.binary:
        # Direct dependencies only (NEEDED): apt brings the transitive ones.
        needed = re.findall(r"\(NEEDED\).*\[(.+)\]",
                            subprocess.run(["readelf", "-d", args.binary], capture_output=True,
                                           text=True).stdout)
        check(needed, f"readelf -d {args.binary}: no NEEDED entries")
        r = subprocess.run(["ldd", args.binary], capture_output=True, text=True)
        check(r.returncode == 0, f"ldd {args.binary} failed: {r.stderr}")
        paths = dict(re.findall(r"^\s*(\S+)\s+=>\s+(/\S+)", r.stdout, re.M))
        # A sanitizer build (make sanitize) links the sanitizer runtimes, which
        # the image's release build never does.
        needed = [n for n in needed if not re.match(r"lib(asan|ubsan|tsan|lsan)\.so", n)]
        for soname in needed:
            lib = paths.get(soname)
            if not check(lib, f"{soname}: not resolved by ldd"):
                continue
            owner = None
            for candidate in (lib, lib.replace("/lib/", "/usr/lib/", 1), lib.replace("/usr/lib/", "/lib/", 1)):
                q = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
                if q.returncode == 0:
                    owner = q.stdout.split(":")[0]
                    break
            if check(owner, f"{lib}: no Debian package owns it"):
                check(owner in runtime_pkgs or owner in BASE_PACKAGES,
                      f"{lib} (package {owner}) is not installed by the final stage")


if __name__ == "__main__":
    main()
    for e in errors:
        print(f"FAIL: {e}", file=sys.stderr)
    if not errors:
        print("Dockerfile OK")
    sys.exit(1 if errors else 0)
