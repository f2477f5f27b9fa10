"""The shape of the code: how the apps depend on each other, and how long functions and modules
grow. Read from the source with `ast`, nothing imported."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Application packages, by app label. The project package (pesco_review: settings, urls, views,
# celery, history) wires the apps together and may import anything: it is no app here.
APPS = {
    "outbox": "pesco_review.outbox",
    "accounts": "pesco_review.accounts",
    "projects": "projects",
    "reviews": "reviews",
    "onboarding": "onboarding",
    "demo": "demo",
}
# What each app may import: the outbox knows no other app, accounts no project, projects no
# review, onboarding imports into the register (and adds milestones to open drafts), the demo
# seeds all.
ALLOWED = {
    "outbox": set(),
    "accounts": {"outbox"},
    "projects": {"accounts", "outbox"},
    "reviews": {"accounts", "projects", "outbox"},
    "onboarding": {"accounts", "projects", "reviews", "outbox"},
    "demo": {"accounts", "projects", "reviews", "outbox"},
}
CODE = ("pesco_review", "projects", "reviews", "onboarding", "demo")
NOT_MEASURED = {Path("reviews/documents/make_docx_template.py")}  # builds the Word template
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 250
SPLIT_PACKAGES = ("reviews/services", "reviews/views")


def python_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" not in relative.parts and "tests" not in relative.parts:
            yield relative


def module_name(path: Path) -> str:
    parts = path.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_of(module: str) -> str | None:
    for label, package in APPS.items():
        if module == package or module.startswith(f"{package}."):
            return label
    return None


def imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """Every module an import in the file names, at any depth (functions included)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, `level - 1` packages up
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            yield base, node.lineno
            for alias in node.names:  # `from reviews import services` imports reviews.services
                yield f"{base}.{alias.name}", node.lineno


def app_imports() -> dict[tuple[str, str], list[str]]:
    """{(app, app it imports): ["file:line", ...]} across every application module."""
    edges: dict[tuple[str, str], list[str]] = {}
    for label, package in APPS.items():
        for path in python_files(package.replace(".", "/")):
            for module, line in imported_modules(path):
                target = app_of(module)
                if target is not None and target != label:
                    where = f"{path}:{line}"
                    found = edges.setdefault((label, target), [])
                    if where not in found:
                        found.append(where)
    return edges


def find_cycle(edges) -> list[str] | None:
    """One cycle of the app graph as [a, b, ..., a], or None."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def test_find_cycle_names_the_cycle_and_none_without_one():
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("c", "a"): []}) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"): [], ("a", "c"): [], ("b", "c"): []}) is None


def test_imported_modules_resolves_relative_and_function_level_imports(tmp_path, monkeypatch):
    package = tmp_path / "reviews" / "documents"
    package.mkdir(parents=True)
    (package / "pdf.py").write_text(
        "from . import charts\nfrom ..models import Report\n"
        "def build():\n    from projects.models import Project\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    found = sorted(imported_modules(Path("reviews/documents/pdf.py")))

    assert found == [
        ("projects.models", 4),
        ("projects.models.Project", 4),
        ("reviews.documents", 1),
        ("reviews.documents.charts", 1),
        ("reviews.models", 2),
        ("reviews.models.Report", 2),
    ]


def test_apps_import_each_other_without_a_cycle():
    edges = app_imports()

    cycle = find_cycle(edges)

    assert cycle is None, (
        "import cycle between the apps: "
        + " -> ".join(cycle)
        + "".join(
            f"\n  {a} -> {b}: {', '.join(edges[a, b])}"
            for a, b in zip(cycle, cycle[1:], strict=False)
        )
    )


def test_apps_import_only_the_apps_below_them():
    edges = app_imports()

    forbidden = {
        f"{source} -> {target}": places
        for (source, target), places in sorted(edges.items())
        if target not in ALLOWED[source]
    }

    assert forbidden == {}, "\n".join(f"{edge}: {', '.join(at)}" for edge, at in forbidden.items())


def long_functions() -> list[str]:
    offenders = []
    for package in CODE:
        for path in python_files(package):
            if path in NOT_MEASURED:
                continue
            tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1  # the def line on: no decorators
                    if length > MAX_FUNCTION_LINES:
                        offenders.append(f"{path}:{node.lineno} {node.name}: {length} lines")
    return offenders


def test_no_function_is_longer_than_60_lines():
    offenders = long_functions()

    assert offenders == [], "functions over 60 lines:\n" + "\n".join(offenders)


@pytest.mark.parametrize("package", SPLIT_PACKAGES)
def test_no_module_of_the_split_packages_is_longer_than_250_lines(package):
    folder = ROOT / package
    if not folder.is_dir():
        pytest.skip(f"{package}/ does not exist on this branch yet: {package}.py is one module")

    offenders = [
        f"{path}: {lines} lines"
        for path in python_files(package)
        if (lines := len((ROOT / path).read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]

    assert offenders == [], "modules over 250 lines:\n" + "\n".join(offenders)


def test_selectors_import_nothing_from_services():
    offenders = [
        f"{path}:{line} imports {module}"
        for package in ("reviews/selectors", "projects/selectors.py")
        for path in (python_files(package) if (ROOT / package).is_dir() else [Path(package)])
        for module, line in imported_modules(path)
        if module.endswith(".services") or ".services." in module
    ]
    assert offenders == []


def test_application_code_imports_nothing_from_django_test():
    """No `override_settings` or other test machinery in what runs in production."""
    found = [
        f"{path}:{line} {module}"
        for package in CODE
        for path in python_files(package)
        for module, line in imported_modules(path)
        if module == "django.test" or module.startswith("django.test.")
    ]

    assert found == []


def test_tasks_are_published_only_by_the_dispatcher():
    """A request never waits for the broker: every task goes through pesco_review.dispatch."""
    calls = ("delay", "delay_on_commit", "apply_async", "send_task")
    found = [
        f"{path}:{node.lineno} {node.func.attr}"
        for package in CODE
        for path in python_files(package)
        if path != Path("pesco_review/dispatch.py")
        for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in calls
    ]

    assert found == []
