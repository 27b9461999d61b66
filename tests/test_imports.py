"""Packages import app code at module level: an import inside a function is allowed
only with a comment (on its line or the line above) naming the cycle it breaks.
app/__init__.py's factory, which imports the blueprints, is the one place that may."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = sorted(p.name for p in (ROOT / "app").iterdir() if p.is_dir() and any(p.glob("*.py")))


def _local_app_imports(source):
    """(line number, text) of each uncommented import of app code inside a function."""
    lines = source.splitlines()
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            if not any(module.split(".")[0] == "app" for module in modules):
                continue
            line, above = lines[node.lineno - 1], lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if "#" not in line and not above.startswith("#"):
                yield node.lineno, line.strip()


def test_packages_import_app_code_at_module_level_or_say_which_cycle_prevents_it():
    found = [f"{path.relative_to(ROOT)}:{number}: {text}"
             for package in CHECKED for path in sorted((ROOT / "app" / package).rglob("*.py"))
             for number, text in _local_app_imports(path.read_text())]
    assert found == []


def test_the_check_finds_an_uncommented_function_local_import():
    source = ("from app.core import text\n\n\n"
              "def f():\n    from app.core.text import nfc\n    return nfc\n\n\n"
              "def g():\n    # cycle: app.a imports app.b, which imports this module\n    import app.core.text\n")
    assert list(_local_app_imports(source)) == [(5, "from app.core.text import nfc")]
