#!/usr/bin/env python3
"""No file under exporter/ over 500 lines, no function over 80 lines.

A file may be longer when one of its first 30 lines has a comment starting
`// Long file:` that says why; a function may be longer when one of the 3
lines before it has a comment starting `// Long function:`. A function is
counted from the line with its opening brace to the line with its closing
brace, for every brace block at namespace or class level whose head looks
like a function (has a parameter list, is not a class, struct, enum,
namespace or initializer).
Usage: check_sizes.py REPO_ROOT [--max-file N] [--max-function N]
"""
import os
import re
import sys

HEAD_NOT_FUNCTION = re.compile(
    r"^\s*(namespace\b|class\b|struct\b|enum\b|union\b|extern\s+\"C\"|template\s*<[^>]*>\s*(class|struct)\b)")


def strip(line):
    """Line without comments and string/char literals (good enough for braces)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def functions(lines):
    """Yields (start_line, end_line, head) of function bodies."""
    in_block_comment = False
    stack = []  # entries: (kind, start_line, head)
    head = ""
    for n, raw in enumerate(lines, 1):
        line = raw
        if in_block_comment:
            if "*/" not in line:
                continue
            line = line.split("*/", 1)[1]
            in_block_comment = False
        while "/*" in line:
            before, _, after = line.partition("/*")
            if "*/" in after:
                line = before + after.split("*/", 1)[1]
            else:
                line = before
                in_block_comment = True
        code = strip(line)
        if code.lstrip().startswith("#"):
            continue
        for ch in code:
            if ch == "{":
                outer = stack[-1][0] if stack else "scope"
                if outer == "scope":
                    h = " ".join(head.split())
                    if HEAD_NOT_FUNCTION.search(h) or "(" not in h or h.rstrip().endswith("="):
                        kind = "scope"
                    else:
                        kind = "function"
                else:
                    kind = "inner"
                stack.append((kind, n, head))
                head = ""
            elif ch == "}":
                if stack:
                    kind, start, h = stack.pop()
                    if kind == "function":
                        yield start, n, " ".join(h.split())
                head = ""
            elif ch == ";":
                if not stack or stack[-1][0] == "scope":
                    head = ""
            else:
                if not stack or stack[-1][0] == "scope":
                    head += ch
        if not stack or stack[-1][0] == "scope":
            head += " "


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    root = args[0]
    max_file = int(args[args.index("--max-file") + 1]) if "--max-file" in args else 500
    max_fn = int(args[args.index("--max-function") + 1]) if "--max-function" in args else 80
    errors = []
    count = 0
    for dirpath, _, names in os.walk(os.path.join(root, "exporter")):
        for name in sorted(names):
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            count += 1
            if len(lines) > max_file and not any(
                    l.lstrip().startswith("// Long file:") for l in lines[:30]):
                errors.append(f"{rel}: {len(lines)} lines (at most {max_file}, "
                              "or a '// Long file:' comment saying why)")
            for start, end, head in functions(lines):
                length = end - start + 1
                if length <= max_fn:
                    continue
                # The head may span lines above the brace: look above its first line.
                first = start
                sig = head.split("(")[0].split()[-1] if "(" in head else head
                for k in range(start - 1, max(0, start - 15) - 1, -1):
                    if sig and sig in lines[k]:
                        first = k + 1
                        break
                before = lines[max(0, first - 4):first - 1]
                if any(l.lstrip().startswith("// Long function:") for l in before):
                    continue
                errors.append(f"{rel}:{first}: {sig}: {length} lines (at most {max_fn}, "
                              "or a '// Long function:' comment above it saying why)")
    if errors:
        print("\n".join(errors))
        return 1
    print(f"sizes: {count} files, none over {max_file} lines, no function over {max_fn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
