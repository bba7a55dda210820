#!/usr/bin/env python3
"""Fails when the files of one Rust crate import each other in a circle.

Usage: scripts/import-circles.py CRATE_SRC_DIR...

A circle (file A reaches file B through `crate::` paths and B reaches A) means neither can be
understood, tested or moved without the other; the floors in docs/ARCHITECTURE.md only hold
while there are none. rustc accepts circles inside a crate, and no maintained tool reports
them for Rust source without a full build (cargo-modules needs rust-analyzer's whole load), so
this reads the `crate::…` paths as text: `use` lines, `use crate::a::{b, c}` groups and inline
paths, including doc links (a doc link to a module is a dependency of the reader too). A
trailing `#[cfg(test)] mod tests { … }` is left out: tests may reach anything.
"""
import os
import re
import sys

PATH = re.compile(r"crate::((?:[A-Za-z_]\w*::)*[A-Za-z_]\w*)")
GROUP = re.compile(r"use\s+crate::([\w:]*)\{([^}]*)\}", re.S)
TESTS = re.compile(r"#\[cfg\(test\)\]\s*mod\s+tests\s*\{.*", re.S)


def modules(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    found = {}
    for root, _, files in os.walk(src):
        for name in files:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                parts = os.path.relpath(path, src)[:-3].split(os.sep)
                if parts[-1] in ("mod", "lib", "main"):
                    parts = parts[:-1]
                found[tuple(parts)] = path
    return found


def imports(text):
    text = TESTS.sub("", text)
    named = [m.group(1) for m in PATH.finditer(text)]
    for group in GROUP.finditer(text):
        prefix = group.group(1)
        for item in group.group(2).split(","):
            item = item.strip().split(" as ")[0].split("::{")[0]
            if item == "self":
                named.append(prefix.rstrip(":"))
            elif item:
                named.append(prefix + item)
    return named


def file_of(mods, dotted):
    parts = tuple(p for p in dotted.split("::") if p)
    for n in range(len(parts), -1, -1):
        if parts[:n] in mods:
            return mods[parts[:n]]
    return None


def circles(src):
    mods = modules(src)
    edges = {path: set() for path in mods.values()}
    for path in mods.values():
        with open(path, encoding="utf-8", errors="replace") as f:
            for dotted in imports(f.read()):
                target = file_of(mods, dotted)
                if target and target != path:
                    edges[path].add(target)
    # Tarjan's strongly connected components, iteratively (deep crates overflow recursion).
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def main(dirs):
    if not dirs:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = False
    for src in dirs:
        if not os.path.isdir(src):
            print(f"{src}: not a folder", file=sys.stderr)
            return 2
        found = circles(src)
        for component in found:
            names = ", ".join(os.path.relpath(p, src) for p in component)
            print(f"{src}: import circle: {names}")
        print(f"{src}: {sum(len(c) for c in found)} files in {len(found)} import circles")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
