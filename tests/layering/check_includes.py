#!/usr/bin/env python3
"""Checks every #include under exporter/ against ARCHITECTURE.md's module table.

The table (the rows whose first cell is `exporter/<module>`) is the source of
truth: its "may depend on" column lists the modules a module may include and
link, its "links" column the outside libraries it may include. Fails (exit 1)
with one line per violation:
  - a module includes a header of a module the table does not allow;
  - a quoted include names a header that is not a public header
    (exporter/<m>/include/<m>/x.h) or a private header of the including
    module (exporter/<m>/src/x.h);
  - a module includes an outside library the table does not give it;
  - a module includes another module's header without linking its target
    (target_link_libraries in exporter/<m>/CMakeLists.txt).
Usage: check_includes.py REPO_ROOT
"""
import os
import re
import sys

# How each library of the "links" column shows up in an #include <...>.
LIBRARY_INCLUDES = {
    "simdjson": re.compile(r"^simdjson"),
    "libcurl": re.compile(r"^curl/"),
    "cpp-httplib": re.compile(r"^httplib\.h$"),
    "libmicrohttpd": re.compile(r"^microhttpd\.h$"),
    "prometheus-cpp": re.compile(r"^prometheus/"),
    "yaml-cpp": re.compile(r"^yaml-cpp/"),
    "zlib": re.compile(r"^zlib\.h$"),
    "OpenSSL": re.compile(r"^openssl/"),
    "crypt": re.compile(r"^crypt\.h$"),
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def names(cell):
    """`a`, `b (note)`, — -> ['a', 'b']"""
    cell = re.sub(r"\([^)]*\)", "", cell)
    out = []
    for part in cell.split(","):
        part = part.strip().strip("`").strip()
        if part and part not in ("—", "-"):
            out.append(part)
    return out


def read_table(root):
    """{module: (deps, libs)} from ARCHITECTURE.md."""
    table = {}
    header = None
    with open(os.path.join(root, "ARCHITECTURE.md"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("|"):
                header = None
                continue
            row = cells(line)
            if header is None:
                header = [c.lower() for c in row]
                continue
            m = re.fullmatch(r"`exporter/([a-z_]+)`", row[0])
            if not m:
                continue
            col = {h: row[i] for i, h in enumerate(header) if i < len(row)}
            table[m.group(1)] = (set(names(col.get("may depend on", ""))),
                                 set(names(col.get("links", ""))))
    return table


def linked_targets(root, module):
    path = os.path.join(root, "exporter", module, "CMakeLists.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    linked = set()
    for block in re.findall(r"target_link_libraries\(\s*vb365_" + module +
                            r"\b(.*?)\)", text, re.S):
        linked.update(re.findall(r"\bvb365_([a-z_]+)", block))
    return linked


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    table = read_table(root)
    errors = []
    exporter = os.path.join(root, "exporter")
    modules = sorted(d for d in os.listdir(exporter)
                     if os.path.isdir(os.path.join(exporter, d)))
    for module in modules:
        if module not in table:
            errors.append(f"exporter/{module}: no row in ARCHITECTURE.md's module table")
    if errors:
        print("\n".join(errors))
        return 1
    files = 0
    for module in modules:
        deps, libs = table[module]
        for bad in sorted(deps - set(modules)):
            errors.append(f"ARCHITECTURE.md: {module} may depend on unknown module '{bad}'")
        for bad in sorted(libs - set(LIBRARY_INCLUDES)):
            errors.append(f"ARCHITECTURE.md: {module} links unknown library '{bad}' "
                          f"(known: {', '.join(sorted(LIBRARY_INCLUDES))})")
        linked = linked_targets(root, module)
        used = set()
        for dirpath, _, filenames in os.walk(os.path.join(exporter, module)):
            for name in sorted(filenames):
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                files += 1
                with open(path, encoding="utf-8") as f:
                    lines = f.readlines()
                for n, line in enumerate(lines, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, inc = m.groups()
                    where = f"{rel}:{n}: #include {kind}{inc}{'>' if kind == '<' else kind}"
                    if kind == "<":
                        for lib, pattern in LIBRARY_INCLUDES.items():
                            if pattern.search(inc) and lib not in libs:
                                errors.append(f"{where}: {module} may not use {lib} "
                                              f"(ARCHITECTURE.md gives it: "
                                              f"{', '.join(sorted(libs)) or 'none'})")
                        continue
                    if "/" not in inc:
                        if not os.path.isfile(os.path.join(exporter, module, "src", inc)):
                            errors.append(f"{where}: not a private header of {module} "
                                          f"(exporter/{module}/src/{inc})")
                        elif "/include/" in path:
                            errors.append(f"{where}: a public header includes a private one")
                        continue
                    other = inc.split("/", 1)[0]
                    public = os.path.join(exporter, other, "include", inc)
                    if not os.path.isfile(public):
                        errors.append(f"{where}: not a public header "
                                      f"(exporter/{other}/include/{inc})")
                        continue
                    if other == module:
                        continue
                    used.add(other)
                    if other not in deps:
                        errors.append(f"{where}: {module} may not depend on {other} "
                                      f"(ARCHITECTURE.md: {', '.join(sorted(deps)) or 'none'})")
        for other in sorted(used - linked):
            errors.append(f"exporter/{module}/CMakeLists.txt: includes {other}'s headers "
                          f"but does not link vb365_{other}")
    if files == 0:
        errors.append("no source files found under exporter/")
    if errors:
        print("\n".join(errors))
        return 1
    print(f"layering: {files} files in {len(modules)} modules follow ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
