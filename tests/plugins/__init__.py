"""The test kit: fixtures and data builders loaded as pytest plugins (`pytest_plugins`
in tests/conftest.py), so test modules import only app code and pytest, and never
each other."""
