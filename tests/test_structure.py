"""The code's shape: no import circles, short functions, thin pages, one page registry.

These read the source (ast), so they hold for every module, including those no other test imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "convcore")
MAX_FUNCTION_LINES = 80
MAX_PAGE_LINES = 150


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for app/, convcore/ (with subpackages) and pages/."""
    found = {}
    for top in (*PACKAGES, "pages"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom | ast.Import, is_package: bool) -> set[str]:
    """The project modules an import statement loads (imports inside functions included)."""
    names: set[str] = set()
    if isinstance(node, ast.Import):
        bases = [alias.name for alias in node.names]
        candidates = bases
    else:
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
    for name in candidates:
        # the longest project module that the name is, or lies in
        parts = name.split(".")
        for k in range(len(parts), 0, -1):
            prefix = ".".join(parts[:k])
            if prefix in MODULES:
                names.add(prefix)
                break
    names.discard(module)
    return names


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(module, node, path.name == "__init__.py")
        # a package's __init__ is loaded by every module inside it: not an edge back
        graph[module] = {e for e in edges if not module.startswith(e + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_circle_through_a_function_level_import():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    tree = ast.parse("def f():\n    from app import caches\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert _resolve("app.session", node, False) == {"app", "app.caches"}


def test_no_import_circle_in_app_pages_or_convcore():
    graph = _graph()
    assert sum(len(e) for e in graph.values()) > 50, "the import graph looks empty: the parser is broken"
    assert _cycles(graph) == []


def _long_functions() -> list[str]:
    too_long = []
    for module, path in MODULES.items():
        if not module.startswith(PACKAGES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            start = node.body[0].end_lineno + 1 if ast.get_docstring(node) else node.body[0].lineno
            body_lines = node.end_lineno - start + 1
            if ast.get_docstring(node) and len(node.body) == 1:
                body_lines = 0
            if body_lines > MAX_FUNCTION_LINES:
                too_long.append(f"{module}.{node.name}: {body_lines} lines")
    return too_long


def test_no_function_over_80_lines_in_app_or_convcore():
    assert _long_functions() == []


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_pages_stay_thin(page):
    lines = (ROOT / "pages" / page).read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_PAGE_LINES, f"pages/{page} has {lines} lines: move its logic into app/ or convcore/"


def test_each_page_file_is_named_in_the_registry_only():
    from app import registry

    files = {p.name for p in (ROOT / "pages").glob("*.py")}
    assert {page.file for page in registry.PAGES} == files
    for module, path in MODULES.items():
        if module == "app.registry":
            continue
        text = path.read_text(encoding="utf-8")
        named = [f for f in files if f in text]
        assert not named, f"{path.relative_to(ROOT)} names {named}: use app.registry instead"


def test_import_convcore_stays_free_of_torch_and_streamlit():
    from tests.imports import imported_by

    assert (
        imported_by("import convcore, convcore.layers, convcore.nets", ("torch", "streamlit", "matplotlib"))
        == []
    )


def _startup_imports() -> list[str]:
    """The modules the entry and Home import at their top level (what Home's first run loads)."""
    found = set()
    for path in (ROOT / "app" / "main.py", ROOT / "pages" / "home.py"):
        top = ast.parse(path.read_text(encoding="utf-8")).body
        for node in [n for t in top for n in (t.body if isinstance(t, ast.Try) else [t])]:  # try: import ...
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                names = {f"{node.module}.{alias.name}" for alias in node.names}
                found |= (names & MODULES.keys()) or {node.module}
    assert {"convcore", "app.caches", "app.presenter"} <= found, "the import finder is broken"
    return sorted(found)


def test_home_first_paint_imports_no_heavy_library():
    """Cold start (issue 18): torch, scipy, matplotlib and pandas load where a page uses them, not
    for Home's first paint (scipy and matplotlib alone were half a second there)."""
    from tests.imports import imported_by

    # PIL.TiffImagePlugin: Pillow's every plugin (Image.init, 20 ms) loads at the first upload that needs it
    heavy = ("torch", "scipy", "matplotlib", "pandas", "playwright", "PIL.TiffImagePlugin")
    assert imported_by(f"import {', '.join(_startup_imports())}", heavy) == []


#: Streamlit widgets that can carry a setting (they take ``bind="query-params"``).
_BINDABLE = {"slider", "select_slider", "selectbox", "radio", "toggle", "number_input", "text_input", "tabs",
             "multiselect", "checkbox", "pills", "segmented_control"}  # fmt: skip


def _method_calls(names) -> Iterator[tuple[Path, ast.Call]]:
    """Every call ``something.name(...)`` with ``name`` in ``names`` in app/ and pages/."""
    for module, path in MODULES.items():
        if not module.startswith(("app", "pages")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in names
            ):
                yield path, node


def _keyed_widget_calls():
    for path, node in _method_calls(_BINDABLE):
        keywords = {k.arg: k.value for k in node.keywords}
        if "key" in keywords:
            yield f"{path.relative_to(ROOT)}:{node.lineno}", keywords


def test_every_setting_widget_is_bound_to_the_url_and_no_internal_one_is():
    calls = list(_keyed_widget_calls())
    assert len(calls) > 50, "the widget finder is broken"
    for where, keywords in calls:
        key = keywords["key"]
        internal = isinstance(key, ast.Call) and getattr(key.func, "id", "") == "internal"
        bind = keywords.get("bind")
        bound = isinstance(bind, ast.Name) and bind.id == "LINK"
        assert bound != internal, f"{where}: settings take bind=LINK (app.session), internal keys never"


def test_pages_use_the_servers_fragment_so_a_refusal_is_a_sentence_there_too():
    offenders = []
    for module, path in MODULES.items():
        if module == "app.server":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "fragment"
                and getattr(node.value, "id", "") == "st"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "use app.server.fragment instead of st.fragment"


def test_every_picture_says_what_it_shows():
    """axe-core's image-alt rule, enforced where pictures are made: st.image and encode.show (which
    requires it) always get ``alt=``; a screen reader then reads e.g. "feature map of Sobel x, 512 x 600"."""
    calls, missing = 0, []
    for path, node in _method_calls(("image", "show")):
        if node.func.attr == "show" and getattr(node.func.value, "id", "") != "encode":
            continue
        calls += 1
        if "alt" not in {k.arg for k in node.keywords} and not any(k.arg is None for k in node.keywords):
            missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert calls > 20, "the picture finder is broken"
    assert missing == []
