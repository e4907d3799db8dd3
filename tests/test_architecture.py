"""The import graph of zoo, text, music and benchmarks keeps the layering of docs/architecture.md.

The test reads every module with `ast` (nothing is imported), collects its imports at any
depth (inside functions too), `importlib.import_module("...")` literals and the module paths
in the lazy faces' export tables (`_EXPORTS`, `_MODULES`), and fails on:

- (a) an import circle between modules;
- (b) an edge against the layer tables below (a library module importing upward, a sibling,
  an application, or the `zoo` face; an application importing another application);
- (c) `from M import _x` or `M._x` where `M` is another project module;
- (d) a `_private` module imported from outside its package;
- (e) `obj._x` where `_x` is defined nowhere in the same file (another module's private
  member, such as a private method of a class defined elsewhere), unless allowlisted.

Each violation is printed as `file:line importer -> imported (rule)`.
"""

import ast
import pathlib

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
ROOTS = ("zoo", "text", "music", "benchmarks")

# The zoo's layers: a module may import its own subpackage and any strictly lower layer.
# Subpackages on the same layer are siblings and never import each other.
ZOO_LAYERS = {
    "zoo.core": 0,
    "zoo.runtime": 1,
    "zoo.io": 1,
    "zoo.native": 2,
    "zoo.preprocessing": 2,
    "zoo.notebook": 2,
    "zoo.generation": 3,
    "zoo.training": 3,
    "zoo.models": 4,
    "zoo.artifacts": 5,
    "zoo": 6,  # the face, zoo/__init__.py
}

# music's own table, by folder (a top-level module is its own group).
MUSIC_LAYERS = {
    "music.errors": 0,
    "music.types": 0,
    "music.checks": 0,
    "music.pretrained": 0,
    "music.theory": 1,
    "music.reading": 2,
    "music.encoding": 2,
    "music.writing": 3,
    "music.evaluation": 3,
    "music.model": 4,
    "music.__main__": 5,
    "music": 5,  # the face, music/__init__.py
}

# Applications: built on the zoo's public API; the library never imports them and they do
# not import each other. benchmarks measure every application, so they may import them all.
APPLICATIONS = ("text", "music", "zoo.tasks", "benchmarks")

# Kept apart: numpy-only teaching code that imports only itself; only tests, notebooks and
# benchmarks (dinosaurus.py measures its char model) import it.
APART = "zoo.reference"

# Explicit exceptions: (importer, imported) module pairs, each with a comment giving its
# reason. None today (the fuzzer, which imported tests/midi.py, left benchmarks/ in issue 26).
ALLOWED_EDGES = set()

# Private members of third-party objects that the project uses on purpose: (attribute, why).
ALLOWED_PRIVATE_MEMBERS = {
    # argparse keeps a parser's actions only in `_actions`; the CLI base reads them to name a
    # flag in an error message.
    "_actions": "argparse",
}


def _module_name(path):
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules():
    modules = {}
    for root in ROOTS:
        for path in sorted((REPO_ROOT / root).rglob("*.py")):
            modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _is_project(name):
    return name.split(".")[0] in ROOTS + ("tests",)


def _resolve(name):
    """The longest prefix of a dotted name that is a project module (or None)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in MODULES:
            return prefix
    return name if _is_project(name) else None


class Edge:
    """One import: where it is written, what it imports, and the names it takes."""

    def __init__(self, importer, line, imported, name=None):
        self.importer, self.line, self.imported, self.name = importer, line, imported, name

    def where(self):
        return f"{MODULES[self.importer].relative_to(REPO_ROOT)}:{self.line}"


def _absolute(module, level, importer):
    if not level:
        return module
    base = importer.split(".")
    if importer not in PACKAGES:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _dict_values(node):
    if isinstance(node, ast.Dict):
        return [v.value for v in node.values if isinstance(v, ast.Constant)]
    return []


def _edges_of(importer):
    """Every project import of one module, with the private-attribute uses of module aliases."""
    tree = ast.parse(MODULES[importer].read_text(), filename=str(MODULES[importer]))
    edges, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name)
                if target:
                    edges.append(Edge(importer, node.lineno, target))
                    aliases[alias.asname or alias.name] = alias.name if alias.asname else None
                    if alias.asname:
                        aliases[alias.asname] = target
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node.module, node.level, importer)
            if not _is_project(source):
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    edges.append(Edge(importer, node.lineno, submodule))
                    aliases[alias.asname or alias.name] = submodule
                else:
                    edges.append(Edge(importer, node.lineno, _resolve(source), alias.name))
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                target = _resolve(node.args[0].value)
                if target:
                    edges.append(Edge(importer, node.lineno, target))
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if {"_EXPORTS", "_MODULES"} & set(names):
                for value in _dict_values(node.value):
                    target = _resolve(value)
                    if target:
                        edges.append(Edge(importer, node.lineno, target))
    # `M._x` where `M` names another project module (`import zoo.x as m; m._y`, or a
    # dotted `zoo.x._y`).
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            module = _dotted(node.value, aliases)
            if module and module in MODULES and module != importer:
                edges.append(Edge(importer, node.lineno, module, node.attr))
    return edges


def _foreign_members(importer):
    """`obj._x` uses in one module where `_x` is defined nowhere in that module."""
    tree = ast.parse(MODULES[importer].read_text(), filename=str(MODULES[importer]))
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            defined.add(node.value)  # getattr(obj, "_x") and __slots__ name it in the file
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _is_private(node.attr)
            and node.attr not in defined
            and node.attr not in ALLOWED_PRIVATE_MEMBERS
        ):
            where = f"{MODULES[importer].relative_to(REPO_ROOT)}:{node.lineno}"
            found.append(f"{where} {importer} -> {ast.unparse(node)} (private member)")
    return found


def _dotted(node, aliases):
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value, aliases)
        if head is None and isinstance(node.value, ast.Name) and node.value.id in ROOTS:
            head = node.value.id
        return f"{head}.{node.attr}" if head else None
    return None


def _is_private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _group(module, table):
    """The longest key of `table` that is `module` or a package above it."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in table:
            return key
    return None


def _application(module):
    for app in sorted(APPLICATIONS, key=len, reverse=True):
        if module == app or module.startswith(app + "."):
            return app
    return None


def _layer_rule(edge):
    """Why an edge breaks the layer tables, or None."""
    src, dst = edge.importer, edge.imported
    if (src, dst) in ALLOWED_EDGES or src == dst:
        return None
    if dst.split(".")[0] == "tests":
        return "imports the tests"
    src_app, dst_app = _application(src), _application(dst)
    if dst_app == "benchmarks":
        return "imports a benchmark"
    if src.startswith(APART + ".") or src == APART:
        return None if dst.startswith(APART) else f"{APART} imports only itself"
    if dst.startswith(APART) and src_app != "benchmarks":
        return f"imports {APART}, which only tests, notebooks and benchmarks use"
    if src_app is None:  # the library
        if dst_app is not None:
            return "library imports an application"
        if dst == "zoo":
            return "library imports the zoo face (use the full module path)"
        return _table_rule(src, dst, ZOO_LAYERS)
    if dst_app is not None and dst_app != src_app and src_app != "benchmarks":
        return f"application {src_app} imports application {dst_app}"
    if src_app == "music" and dst_app == "music":
        return _table_rule(src, dst, MUSIC_LAYERS)
    return None


def _table_rule(src, dst, table):
    src_group, dst_group = _group(src, table), _group(dst, table)
    if src_group is None or dst_group is None or src_group == dst_group:
        return None
    if table[dst_group] == table[src_group] and not {src_group, dst_group} <= PACKAGES:
        return None  # small top-level modules of one layer (music.errors, music.checks)
    if dst_group == src_group.rsplit(".", 1)[0] and dst in PACKAGES:
        return "imports its own package's face (use the full module path)"
    if table[dst_group] > table[src_group]:
        return f"upward: {src_group} (L{table[src_group]}) -> {dst_group} (L{table[dst_group]})"
    if table[dst_group] == table[src_group]:
        return f"siblings on L{table[src_group]}: {src_group} -> {dst_group}"
    return None


def _private_rules(edge):
    rules = []
    if edge.name and _is_private(edge.name) and edge.imported != edge.importer:
        rules.append(f"private name {edge.name}")
    tail = edge.imported.rsplit(".", 1)
    if len(tail) == 2 and _is_private(tail[1]):
        package = tail[0]
        if not (edge.importer == package or edge.importer.startswith(package + ".")):
            rules.append("private module from outside its package")
    return rules


def _all_edges():
    return [edge for importer in MODULES for edge in _edges_of(importer)]


def _circles(edges):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    graph = {}
    for edge in edges:
        if edge.imported in MODULES and edge.imported != edge.importer:
            graph.setdefault(edge.importer, set()).add(edge.imported)
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = [0]
    for root in sorted(MODULES):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    return components


def violations():
    """Every violation, as `file:line importer -> imported (rule)` lines."""
    edges = _all_edges()
    found = []
    for edge in edges:
        rules = _private_rules(edge)
        layer = _layer_rule(edge)
        if layer:
            rules.append(layer)
        for rule in rules:
            found.append(f"{edge.where()} {edge.importer} -> {edge.imported} ({rule})")
    for component in _circles(edges):
        for edge in edges:
            inside = edge.importer in component and edge.imported in component
            if inside and edge.importer != edge.imported:
                found.append(
                    f"{edge.where()} {edge.importer} -> {edge.imported} "
                    f"(circle: {', '.join(sorted(component))})"
                )
    reported = {line.split(" ", 1)[0] for line in found}
    for importer in MODULES:
        found.extend(m for m in _foreign_members(importer) if m.split(" ", 1)[0] not in reported)
    return sorted(set(found))


def test_the_parser_sees_the_tree():
    # A guard against a test that passes because it reads nothing.
    assert {"zoo", "zoo.core.lazy", "text.generator", "music.model.improvise"} <= set(MODULES)
    edges = _all_edges()
    assert any(e.importer == "text" and e.imported == "text.generator" for e in edges)
    assert any(e.imported.startswith("zoo.core") for e in edges)


def test_the_rules_catch_what_they_name():
    circle = [
        Edge("zoo.generation.sampler", 1, "zoo.generation.beam"),
        Edge("zoo.generation.beam", 2, "zoo.generation.sampler"),
    ]
    assert _circles(circle) == [{"zoo.generation.sampler", "zoo.generation.beam"}]
    assert "upward" in _layer_rule(Edge("zoo.runtime.devices", 1, "zoo.training.engine"))
    assert "siblings" in _layer_rule(Edge("zoo.training.engine", 1, "zoo.generation.sampler"))
    assert "application" in _layer_rule(Edge("zoo.models.lm", 1, "text.generator"))
    assert "application" in _layer_rule(Edge("text.generator", 1, "music.model.improvise"))
    assert "face" in _layer_rule(Edge("zoo.models.lm", 1, "zoo"))
    assert _layer_rule(Edge("text.generator", 1, "zoo")) is None
    assert "upward" in _layer_rule(Edge("music.theory.chords", 1, "music.reading.files"))
    assert _private_rules(Edge("text.generator", 1, "text.data", "_check_mode"))
    assert _private_rules(Edge("zoo.models.lm", 1, "zoo.reference._cells"))
    assert not _private_rules(Edge("zoo.reference.lstm", 1, "zoo.reference._cells"))


def test_the_import_graph_keeps_the_layers():
    found = violations()
    assert not found, "\n" + "\n".join(found)
