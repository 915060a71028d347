"""Import arrows point down: no module of mda imports itself back through others, and the
configuration (mda.config and the settings kit) never reaches a package that reads it.

The graph comes from the source, not from running it: every import statement of every module
under mda/, those inside functions and ``if TYPE_CHECKING:`` blocks included, since a lazy
import that closes a circle still ties the modules together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import mda

PACKAGE = Path(mda.__file__).parent
# The packages that read the configuration: the configuration must not import them, even
# through other modules, or each change of theirs reaches every command that loads a config.
READERS = ("mda.alerts", "mda.feeds", "mda.scale", "mda.api", "mda.store", "mda.service",
           "mda.pipeline")  # fmt: skip
# Upward arrows known and owned elsewhere, each with the reason it is still here.
ALLOWED_UPWARD: set[tuple[str, str]] = set()  # none: an exception would be named here, with why


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = _module_names()


def _known(name: str) -> str:
    """The module an imported name lives in (``mda.x.y.Name`` -> ``mda.x.y``)."""
    while name not in MODULES and "." in name:
        name = name.rpartition(".")[0]
    return name


def _imports(name: str) -> set[str]:
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_known(a.name) for a in node.names if a.name.split(".")[0] == "mda")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            if base.split(".")[0] == "mda":
                found.update(_known(f"{base}.{a.name}") for a in node.names)
    found.discard(name)
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the mda modules it imports."""
    return {name: frozenset(_imports(name)) for name in MODULES}


def _cycles(edges: dict[str, frozenset[str]]) -> Iterator[list[str]]:
    """One cycle through each group of modules that import each other (Tarjan's components,
    iteratively: the graph is deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    yield _cycle_in(set(group), edges)


def _cycle_in(group: set[str], edges: dict[str, frozenset[str]]) -> list[str]:
    """A path from the group's first module back to itself, within the group."""
    start = min(group)
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for child in sorted(edges[node] & group):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                todo.append(child)
    raise AssertionError(f"no cycle in {sorted(group)}")


def _reached(start: str) -> dict[str, list[str]]:
    """Every module ``start`` imports, directly or through others, with one path to it."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for child in sorted(graph()[node]):
            if (node, child) not in ALLOWED_UPWARD and child not in paths:
                paths[child] = [*paths[node], child]
                todo.append(child)
    return paths


def test_the_graph_sees_imports_inside_functions() -> None:
    """mda.cli.feeds imports mda.config only inside a command."""
    assert "mda.config" in graph()["mda.cli.feeds"]


def test_a_circle_is_found_and_shown_as_a_path() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
             "d": frozenset({"a"})}  # fmt: skip
    assert list(_cycles(edges)) == [["a", "b", "c", "a"]]
    assert list(_cycles({"a": frozenset({"b"}), "b": frozenset()})) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    cycles = [" -> ".join(cycle) for cycle in _cycles(graph())]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_configuration_reaches_no_package_that_reads_it() -> None:
    kit = [name for name in MODULES if name == "mda.settings" or name.startswith("mda.settings.")]
    upward = [
        " -> ".join(path)
        for start in ["mda.config", *sorted(kit)]
        for name, path in _reached(start).items()
        if name.startswith(READERS)
    ]
    assert not upward, "the configuration imports a package that reads it:\n" + "\n".join(upward)


def test_each_allowed_upward_arrow_is_still_there() -> None:
    """An allowance whose import is gone must go too, or it would hide the next one."""
    assert all(child in graph()[parent] for parent, child in ALLOWED_UPWARD)


# The pure core: what decodes, tracks, judges and shares (docs/architecture.md). It touches no
# network, clock or database, so it must not reach the code that does.
CORE = ("mda.ingest.framing", "mda.ingest.decode", "mda.pipeline", "mda.tracks",
        "mda.vessel_state", "mda.sequencer", "mda.plausible", "mda.rules.engine",
        "mda.alerts.lifecycle", "mda.alerts.places", "mda.feeds.core", "mda.zones.index",
        "mda.activity.adaptive", "mda.activity.classify", "mda.activity.hmm",
        "mda.detections.match", "mda.detections.alerts", "mda.detections.infrastructure",
        "mda.detections.formats", "mda.detections.simulate", "mda.trajectories.port_visits",
        "mda.trajectories.trips", "mda.trajectories.resample", "mda.plot.figures")  # fmt: skip
SHELLS = ("mda.runtime", "mda.cli", "mda.net", "mda.store", "mda.api", "mda.scale",
          "mda.ingest.sources", "mda.alerts.mqtt", "mda.feeds.mqtt", "mda.feeds.tak",
          "mda.feeds.service", "mda.metrics", "mda.web")  # fmt: skip
# Pure modules that live beside their shell: the batch the store takes (plain lists of records),
# host:port parsing (text in, text out) and the shapes of stored tracks (frames in, frames out).
PURE_IN_SHELLS = ("mda.store.batch", "mda.net.address", "mda.store.track_shapes")


def test_the_core_reaches_no_shell() -> None:
    reached = [
        " -> ".join(path)
        for start in CORE
        for name, path in _reached(start).items()
        if name.startswith(SHELLS) and name not in PURE_IN_SHELLS
    ]
    assert not reached, "the core imports a shell:\n" + "\n".join(reached)


def test_only_the_command_line_imports_the_command_line() -> None:
    upward = [f"{name} -> {child}" for name, children in graph().items()
              if not name.startswith("mda.cli") for child in children
              if child == "mda.cli" or child.startswith("mda.cli.")]  # fmt: skip
    assert not upward, "imports of mda.cli from below it:\n" + "\n".join(upward)
