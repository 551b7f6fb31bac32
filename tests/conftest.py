"""Test-wide fixtures live in tests/fixtures/, one plugin module per concern.

Hypothesis runs the same examples on every run of the suite (``derandomize``), so a
submission passes or fails on the code alone, never on which random cases a run drew.
``GOALSYNC_HYPOTHESIS=explore`` draws new random cases instead (and prints a blob to
reproduce any failure); ``bench/soak.sh`` runs the property tests that way with many
examples. A case found there becomes a fixed example (``@example``) or a unit test."""

import os

from hypothesis import settings

settings.register_profile("suite", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("GOALSYNC_HYPOTHESIS", "suite"))

pytest_plugins = [
    "tests.fixtures.guards",
    "tests.fixtures.cyrus",
    "tests.fixtures.davical",
    "tests.fixtures.radicale",
    "tests.fixtures.todoist",
]
