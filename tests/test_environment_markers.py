"""The markers of tests/plugins/environment.py, run on a tiny suite in a subprocess:
a browser or PostgreSQL test whose need is missing is skipped with the reason, or
fails the run when CI=true; every test under tests/e2e carries `e2e`."""
import textwrap

import pytest

NEEDY_TESTS = """
import pytest

@pytest.mark.e2e
def test_in_a_browser():
    pass

@pytest.mark.postgres
def test_on_postgresql():
    pass
"""


@pytest.fixture
def machine_without_chromium_or_postgres(pytester, monkeypatch, request):
    """A run where /usr/bin/chromium stands for a path that does not exist and
    PostgreSQL for a port nobody listens on."""
    root = request.config.rootpath
    monkeypatch.setenv("PYTHONPATH", str(root))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PG_TEST_URL", "postgresql://postgres@127.0.0.1:9/none")
    pytester.makeconftest(textwrap.dedent("""
        from pathlib import Path

        import tests.plugins.environment as environment

        environment.CHROMIUM = Path("/nonexistent/chromium")
        pytest_plugins = ["tests.plugins.environment"]
    """))
    pytester.makeini("[pytest]\nmarkers =\n    e2e: browser\n    postgres: server\n")
    pytester.makepyfile(test_needy=NEEDY_TESTS)
    return pytester


def test_a_missing_browser_or_server_skips_with_the_reason(machine_without_chromium_or_postgres, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = machine_without_chromium_or_postgres.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*/nonexistent/chromium not found*", "*PostgreSQL unreachable at*127.0.0.1:9/none*"])


def test_under_ci_a_missing_browser_or_server_fails_the_run(machine_without_chromium_or_postgres, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = machine_without_chromium_or_postgres.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)  # failed in setup, before the test body
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*chromium not found*CI=true: this test must run*",
                                 "*PostgreSQL unreachable*CI=true: this test must run*"])


def test_every_browser_test_is_marked_e2e(pytester, request):
    root = request.config.rootpath
    result = pytester.runpytest_subprocess(str(root / "tests" / "e2e"), "--collect-only", "-q", "-m", "not e2e",
                                           "-p", "no:cacheprovider", f"--rootdir={root}", "-c", str(root / "pytest.ini"))
    result.stdout.fnmatch_lines(["no tests collected (* deselected)*"])
    assert "deselected" in result.stdout.str() and " 0 deselected" not in result.stdout.str()
