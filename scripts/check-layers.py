#!/usr/bin/env python3
"""check-layers.py: the include rule of runner/ (docs/architecture.md), checked.

Reads every `#include "layer/name.h"` of runner/<layer>/*.{c,h} and fails when
  - a file includes a header by a bare name (every include names its layer),
  - a layer includes a layer it may not (the table LAYERS below: lower layers
    never include higher ones),
  - two modules depend on each other, directly or around a longer cycle
    (a module is a .c/.h pair; A depends on B when A.c or A.h includes B.h),
  - a header declares a function that the .c of its own name does not define
    (a header is implemented by its namesake; headers of types, macros and
    inline functions only need no .c).
Usage: check-layers.py [RUNNER_DIR]   (default: runner/ beside this script's parent)
Exit 0 when the tree follows the rule, 1 with one line per problem otherwise.
"""
import os
import re
import sys

# Which layers each layer may include (itself always). Bottom first.
LAYERS = {
    "util": set(),
    "plan": {"util"},
    "result": {"plan", "util"},
    "observe": {"result", "plan", "util"},
    "engine": {"observe", "result", "plan", "util"},
    "chaos": {"engine", "observe", "result", "plan", "util"},
    "cli": {"engine", "chaos", "observe", "result", "plan", "util"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# A function declaration in a header: a line that ends a prototype ");" and
# is not a macro, typedef of a function pointer or a struct member.
PROTO = re.compile(r'^[A-Za-z_][\w \*]*?\b(fr_\w+)\s*\([^;{]*\)\s*(__attribute__\S*\s*)*;', re.M)
# A function definition in a .c file: a prototype followed by its body.
DEFN = re.compile(r'^[A-Za-z_][\w \*]*?\b(fr_\w+)\s*\([^;{]*\)\s*\{', re.M)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runner")
    root = os.path.normpath(root)
    problems = []
    deps = {}  # module "layer/name" -> set of modules
    headers = {}
    for layer in sorted(os.listdir(root)):
        ldir = os.path.join(root, layer)
        if not os.path.isdir(ldir):
            continue
        if layer not in LAYERS:
            problems.append(f"runner/{layer}/: a folder that is not a layer (add it to LAYERS in {os.path.basename(__file__)})")
            continue
        for fname in sorted(os.listdir(ldir)):
            if not fname.endswith((".c", ".h")):
                continue
            path = os.path.join(ldir, fname)
            rel = f"runner/{layer}/{fname}"
            module = f"{layer}/{fname[:-2]}"
            deps.setdefault(module, set())
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if fname.endswith(".h"):
                headers[module] = text
            for lineno, line in enumerate(text.splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if "/" not in inc:
                    problems.append(f"{rel}:{lineno}: #include \"{inc}\" does not name its layer")
                    continue
                to_layer = inc.split("/", 1)[0]
                if to_layer not in LAYERS:
                    problems.append(f"{rel}:{lineno}: #include \"{inc}\": no layer '{to_layer}'")
                    continue
                if to_layer != layer and to_layer not in LAYERS[layer]:
                    problems.append(f"{rel}:{lineno}: #include \"{inc}\": layer {layer} may not include {to_layer}")
                target = inc[:-2] if inc.endswith(".h") else inc
                if target != module:
                    deps[module].add(target)
    # Functions a header declares are defined by the .c of its own name.
    for module, text in sorted(headers.items()):
        names = [m.group(1) for m in PROTO.finditer(strip_comments(text)) if "static inline" not in m.group(0)]
        if not names:
            continue
        cpath = os.path.join(root, module + ".c")
        if not os.path.exists(cpath):
            problems.append(f"runner/{module}.h: declares {', '.join(names[:3])}{' …' if len(names) > 3 else ''} but there is no runner/{module}.c")
            continue
        with open(cpath, encoding="utf-8", errors="replace") as f:
            defined = {m.group(1) for m in DEFN.finditer(strip_comments(f.read()))}
        missing = [n for n in names if n not in defined]
        if missing:
            problems.append(f"runner/{module}.h: declares {', '.join(missing[:3])}{' …' if len(missing) > 3 else ''}, not defined in runner/{module}.c")
    # Module cycles (Tarjan's strongly connected components).
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps.get(v, ())):
            if w not in deps:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    for comp in sccs:
        problems.append("include cycle between modules: " + " ↔ ".join(comp))
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} problem(s); the rule is in docs/architecture.md", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
