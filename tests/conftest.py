"""Test-wide fixtures live in tests/fixtures/, one plugin module per concern."""

pytest_plugins = [
    "tests.fixtures.guards",
    "tests.fixtures.cyrus",
    "tests.fixtures.davical",
    "tests.fixtures.radicale",
    "tests.fixtures.todoist",
]
