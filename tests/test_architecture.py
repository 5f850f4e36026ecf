"""The house rules of `rdl/` (ARCHITECTURE.md): imports go one way between rooms, no module
takes part in an import circle, and no file grows past ~400 lines.

Every ``import`` / ``from ... import`` of every module is read with `ast` (also those inside
functions: a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "rdl"
MAX_LINES = 400

#: rooms from left to right: a room may import the rooms to its left
ORDER = [
    "db",
    "tasks",
    "graph",
    "sampling",
    "nn",
    "config",
    "runtime",
    "train",
    "scale",
    "serve",
    "pretrain",
    "report",
    "bench",
    "cli",
]
#: rooms beside `tasks`: what they may import, and who may import them
BESIDE = {
    "metrics": ({"metrics"}, ORDER[ORDER.index("tasks") :]),
    "baselines": ({"db", "tasks", "metrics", "baselines"}, ORDER[ORDER.index("train") :]),
    # built-in database recipes (loaded by name through rdl.project, never imported)
    "datasets": ({"db", "datasets"}, ["cli"]),
}
#: modules that import nothing of rdl and may be used by every room
LEAVES = {"rdl.project", "rdl.results", "rdl.cachefile", "rdl.mapped", "rdl.spelling"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """rdl modules imported by ``name`` (``from pkg import sub`` resolves to ``pkg.sub``)."""
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            ]
        else:
            continue
        for t in targets:
            while t and t not in modules:  # `import rdl.db.table as x` -> rdl.db.table
                t = t.rpartition(".")[0]
            if t.startswith("rdl") and t != name:
                out.add(t)
    return out


def room(module: str) -> str:
    parts = module.split(".")
    if module in LEAVES:
        return "leaf"
    if len(parts) == 1:
        return "db"  # `rdl/__init__.py` re-exports the database layer
    return parts[1]


def allowed(src: str, dst: str) -> bool:
    a, b = room(src), room(dst)
    if src == "rdl":  # the top-level package's public functions (rdl.embed) import lazily
        return True
    if src.endswith(".__main__"):  # an entry point (``python -m rdl.train``), like the CLI
        return True
    if b == "leaf":
        return True
    if a == "leaf":
        return False
    if a == b:
        return True
    if a in BESIDE:
        return b in BESIDE[a][0]
    if b in BESIDE:
        return a in BESIDE[b][1]
    return ORDER.index(b) < ORDER.index(a)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {m: imports_of(m, p, modules) for m, p in modules.items()}


def test_every_module_is_in_a_known_room(graph):
    rooms = set(ORDER) | set(BESIDE) | {"leaf"}
    unknown = sorted(m for m in graph if room(m) not in rooms)
    assert not unknown, (
        f"modules outside the documented rooms (add them to ARCHITECTURE.md and {__file__}): {unknown}"
    )


def test_imports_follow_the_room_order(graph):
    bad = sorted(
        f"{src} ({room(src)}) imports {dst} ({room(dst)})"
        for src, dsts in graph.items()
        for dst in dsts
        if not allowed(src, dst)
    )
    assert not bad, "imports against the documented room order:\n" + "\n".join(bad)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles(graph):
    # a package's __init__ re-exporting its own submodules is the one expected back edge:
    # leave out edges from a module to the __init__ of a package that contains it
    pruned = {m: {d for d in ds if not m.startswith(d + ".")} for m, ds in graph.items()}
    cycles = find_cycles(pruned)
    assert not cycles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_can_fail():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert not allowed("rdl.db.connect", "rdl.train.job")
    assert not allowed("rdl.tasks.base", "rdl.baselines.link")
    assert allowed("rdl.baselines.link", "rdl.tasks.base")
    assert not allowed("rdl.train.trainer", "rdl.serve.predict")
    assert not allowed("rdl.runtime.storage", "rdl.train.job")


def test_no_file_over_the_size_limit(capsys):
    sizes = sorted(
        ((len(p.read_text().splitlines()), module_name(p)) for p in PKG.rglob("*.py")), reverse=True
    )
    with capsys.disabled():
        print("\nbiggest rdl/ files (lines): " + ", ".join(f"{m} {n}" for n, m in sizes[:5]))
    over = [f"{m} ({n} lines)" for n, m in sizes if n > MAX_LINES]
    assert not over, f"files over {MAX_LINES} lines (split them along their jobs): {over}"
