"""Every fixture and data builder of the suite lives in the plugins below (see
tests/plugins/__init__.py); test modules ask for them by name."""

pytest_plugins = [
    "pytester",
    "tests.plugins.environment",
    "tests.plugins.app",
    "tests.plugins.people",
    "tests.plugins.quiz",
    "tests.plugins.files",
    "tests.plugins.province",
    "tests.plugins.formatfixtures",
    "tests.plugins.creative",
    "tests.plugins.certificates",
    "tests.plugins.corrections",
    "tests.plugins.access",
    "tests.plugins.jobs",
    "tests.plugins.concurrency",
    "tests.plugins.cluster",
]
