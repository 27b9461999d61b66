"""Which package may import which (the diagram in docs/architecture.md): imports go down
the layers, never up, so a feature can be read, changed and tested with only what lies
below it. Every import in app/ counts, at module level or inside a function."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

# package -> the packages it may import (besides itself, core, jobs, extensions and config).
ALLOWED = {
    "core": set(),  # plus the two foundations below, checked by module
    "jobs": set(),
    "org": {"accounts"},
    "accounts": {"org"},
    "quiz.qtypes": set(),
    "quiz": {"org", "accounts", "quiz.qtypes"},  # models.py, access.py
    "entries": {"org", "accounts"},
    "quiz.banks": {"quiz", "quiz.qtypes"},
    "coverage": {"org", "accounts", "quiz", "entries"},
    "quiz.attempts": {"org", "accounts", "coverage", "quiz", "quiz.qtypes"},
    "quiz.contests": {"org", "accounts", "coverage", "quiz", "quiz.attempts", "quiz.banks", "quiz.qtypes"},
    "quiz.sessions": {"org", "accounts", "coverage", "quiz", "quiz.attempts"},
    "certificates": {"org", "accounts", "coverage", "entries", "quiz", "quiz.contests"},
    "home": {"accounts", "certificates", "quiz", "quiz.attempts"},
    # a correction regrades attempts, ranks and publishes again, recounts participation,
    # revokes and issues certificates, and writes a question's new version
    "corrections": {"org", "accounts", "coverage", "quiz", "quiz.qtypes", "quiz.attempts", "quiz.banks",
                    "quiz.contests", "certificates"},
}
# The top: they gather features and may import anything.
TOP = {"app", "demo", "quiz.cli", "quiz.demo", "extensions", "config"}
# core reads the unit tree's closure table and the Role enum: modules that import only core.
CORE_MAY_READ = {"app.org.models", "app.accounts.roles"}
BASE = {"core", "jobs", "extensions", "config"}


def package_of(module):
    parts = module.split(".")
    if module == "app":
        return "app"
    if parts[1] == "quiz" and len(parts) > 2:
        if parts[2] in ("banks", "contests", "attempts", "sessions", "qtypes"):
            return "quiz." + parts[2]
        if parts[2] in ("cli", "demo"):
            return "quiz." + parts[2]
    return parts[1]


def imports(path):
    """The app modules a file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "app":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if (APP.parent / node.module.replace(".", "/") / alias.name).exists()
                         or (APP.parent / node.module.replace(".", "/") / f"{alias.name}.py").exists())
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "app")
    return found


def module_of(path):
    return ".".join(path.relative_to(APP.parent).with_suffix("").parts).removesuffix(".__init__")


def violations(source, path):
    """The imports of the file at `path`, in package `source`, that go up or sideways."""
    wrong = []
    for target in sorted(imports(path)):
        dest = package_of(target)
        if dest == "jobs" and source == "core":
            wrong.append(target)  # jobs sit on core, not under it
            continue
        if target == "app" or dest in BASE or dest == source or dest in ALLOWED[source]:
            continue
        if source == "core" and any(target == m or target.startswith(m + ".") for m in CORE_MAY_READ):
            continue
        wrong.append(target)
    return wrong


def test_every_import_in_app_goes_down_the_layers():
    wrong = []
    for path in sorted(APP.rglob("*.py")):
        source = package_of(module_of(path))
        if source in TOP:
            continue
        assert source in ALLOWED, f"{path}: package {source} is missing from the layers table"
        wrong += [f"{module_of(path)} imports {target}" for target in violations(source, path)]
    assert not wrong, "\n".join(wrong)


def test_the_foundations_core_reads_import_only_core():
    for module in CORE_MAY_READ:
        path = APP.parent / (module.replace(".", "/") + ".py")
        assert {package_of(t) for t in imports(path)} <= BASE, module


def test_an_upward_import_inside_a_function_is_caught(tmp_path):
    path = tmp_path / "x.py"
    path.write_text("from app.core.text import nfc\nfrom app.org.models import Unit\n\n"
                    "def f():\n    from app.certificates.services import issue\n    import app.quiz.banks.views\n")
    assert violations("entries", path) == ["app.certificates.services", "app.quiz.banks.views"]
    assert violations("core", path) == ["app.certificates.services", "app.quiz.banks.views"]
    assert violations("certificates", path) == ["app.quiz.banks.views"]
