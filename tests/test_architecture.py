"""The shape of the code, checked: which package may import which, what each area holds,
and that templates restate no rule. docs/architecture.md explains the why."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("campus", "course", "community")

# Layers, lowest first. A module may import modules of its own layer or lower layers,
# never higher ones. Views (views.py, admin_views.py) sit on top of their wing and are
# imported by nobody but the app factory.
LAYERS = [
    ("campus",),
    ("course", "course.models", "course.queries", "course.access", "course.ce_rules", "course.captions",
     "course.media", "course.delivery", "course.signals"),
    ("course.progress",),
    ("course.assessment",),
    ("course.certificates",),
    ("course.completion",),
    ("course.districts",),
    ("course.records",),
    ("course.importer", "course.cli"),
    ("community",),
]  # fmt: skip
VIEW_MODULES = ("views", "admin_views")
FACTORY = "campus"  # campus/__init__.py: create_app, the composition root, wires every area
FACE = {"models", "services", "queries", "views", "admin_views", "forms", "jobs", "access", "cli"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(path: Path) -> set[str]:
    """Every project module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    known = modules()
    return {name for name in names if name in known}


def layer_of(module: str) -> int:
    best, index = -1, None
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), number
    assert index is not None, f"{module} has no layer: add it to LAYERS"
    return index


def is_view(module: str) -> bool:
    return module.rsplit(".", 1)[-1] in VIEW_MODULES


def test_dependencies_run_one_way():
    """campus <- course <- community; inside course, core <- progress <- assessment <-
    certificates <- completion <- importer. Views may use any layer of their own wing or
    below, and nobody imports a views module except the factory."""
    problems = []
    for module, path in modules().items():
        if module == FACTORY:
            continue
        for target in imports_of(path):
            if is_view(target):
                problems.append(f"{module} imports views module {target}")
            elif not is_view(module) and layer_of(target) > layer_of(module):
                problems.append(f"{module} (layer {layer_of(module)}) imports {target} "
                                f"(layer {layer_of(target)})")  # fmt: skip
            elif is_view(module) and layer_of(target) > max(layer_of(module), 7):
                problems.append(f"{module} imports {target} from a higher wing")
    assert problems == [], "\n".join(sorted(problems))


def test_the_checker_catches_a_forbidden_import(tmp_path, monkeypatch):
    """The rule above is live: a kernel module importing the forum is reported."""
    fake = tmp_path / "fake.py"
    fake.write_text("from community.models import Post\nfrom course.views import bp\n")
    targets = imports_of(fake)
    assert "community.models" in targets and "course.views" in targets
    assert layer_of("community.models") > layer_of("campus.markup")
    assert is_view("course.views")


@pytest.mark.parametrize(
    "area",
    [
        "campus/accounts",
        "campus/audit",
        "campus/enrollment",
        "campus/jobs",
        "course",
        "course/progress",
        "course/assessment",
        "course/certificates",
        "course/completion",
        "course/districts",
        "course/records",
        "campus/organisations",
        "community",
        "community/moderation",
        "community/notifications",
    ],
)
def test_every_area_has_the_same_face(area):
    """An area holds the standard files (and helpers named for what they do), never a
    read module under another name (summary.py, reports.py, checklist.py, ledger.py)."""
    names = {p.stem for p in (ROOT / area).glob("*.py")} - {"__init__"}
    assert names & {"services", "queries", "views", "admin_views"}, names
    assert not names & {"summary", "reports", "checklist", "ledger", "exports", "content"}, names


def test_every_blueprint_is_registered_by_the_factory(app):
    """No blueprint registers itself as an import side effect."""
    factory = (ROOT / "campus" / "__init__.py").read_text()
    for name, blueprint in app.blueprints.items():
        module = blueprint.import_name
        assert module.split(".")[-1] in VIEW_MODULES + ("health",), (name, module)
        assert f"from {module.rsplit('.', 1)[0]} import {module.rsplit('.', 1)[1]}" in factory \
            or f"from {module} import bp" in factory, (name, module)  # fmt: skip


def test_every_setting_has_a_default_and_a_readme_row():
    """Every environment variable is read in campus/config.py, with its default, and has a
    row in the README's configuration table; no wing reads the environment itself."""
    config = (ROOT / "campus" / "config.py").read_text()
    readme = (ROOT / "README.md").read_text()
    variables = set(re.findall(r"(?:environ\.get|_bool|_int)\(\s*\"([A-Z_]+)\"", config))
    assert {"FORUM_POSTS_PER_PAGE", "DATABASE_URL", "SECRET_KEY"} <= variables
    undocumented = sorted(v for v in variables if f"| `{v}`" not in readme)
    assert undocumented == [], f"no row in the README's configuration table: {undocumented}"
    for wing in ("course", "community"):
        for path in (ROOT / wing).rglob("*.py"):
            source = path.read_text()
            assert "os.environ" not in source, f"{path}: read settings in campus/config.py"
            assert not re.search(r"config\.get\(\s*\"FORUM_", source), f"{path}: a second default"


# --- Templates restate no rule -----------------------------------------------------------

RULE_IN_TEMPLATE = [
    (re.compile(r"\.role\s*(==|!=|\bin\b|\bnot\s+in\b)"), "compares a role"),
    (re.compile(r"(author_id|user_id|owner_id|\.id)\s*(==|!=)\s*[\w.]*(author|user|owner|my_id)"), "compares ownership"),
    (re.compile(r"(author|user|owner|my_id)[\w.]*\s*(==|!=)\s*[\w.]*(author_id|user_id|owner_id|\.id)\b"), "compares ownership"),
    (re.compile(r"is_staff\s+(and|or)\b|\b(and|or)\s+(not\s+)?[\w.]*is_staff"), "combines is_staff"),
    (re.compile(r"is_admin\s+(and|or)\b|\b(and|or)\s+(not\s+)?[\w.]*is_admin"), "combines is_admin"),
]  # fmt: skip


def rule_problems(source: str) -> list[str]:
    problems = []
    for expression in re.findall(r"{[{%](.*?)[%}]}", source, re.S):
        for pattern, what in RULE_IN_TEMPLATE:
            if pattern.search(expression):
                problems.append(f"{what}: {{{expression.strip()[:80]}}}")
    return problems


def test_templates_restate_no_permission_or_role_rule():
    """Templates read flags the server computed (row.can_edit, page.can_moderate); a role or
    ownership comparison in a template is a second home for a rule."""
    problems = []
    for path in (ROOT / "templates").rglob("*.*"):
        for problem in rule_problems(path.read_text()):
            problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "{% if a.role in ('instructor', 'admin') %}",
        "{% if is_staff or my_id == p.author_id %}",
        "{% if thread.is_locked and not current_user.is_staff %}",
        "{{ 'x' if user.role == 'learner' }}",
        "{% elif my_id != p.author_id %}",
        "{% if post.author_id == current_user.id %}",
    ],
)
def test_the_template_check_catches_restated_rules(snippet):
    assert rule_problems(snippet)
