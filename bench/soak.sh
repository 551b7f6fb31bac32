#!/usr/bin/env bash
# Soak the property tests: new random cases on every run, many of them.
#
#   bench/soak.sh [examples]      (default 500 per scheduler property; run from the repo)
#
# The suite itself runs Hypothesis derandomized (tests/conftest.py), so CI passes or
# fails on the code alone. This script is where new cases are looked for: it runs
# tests/property with GOALSYNC_HYPOTHESIS=explore and SCHED_EXAMPLES set, stops at the
# first failure and prints the blob that reproduces it (@reproduce_failure). A case it
# finds becomes a unit test before the fix (see tests/unit/test_schedule_stability.py).
# Prints the examples run and the seconds taken.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-500}"
start=$(date +%s)
GOALSYNC_HYPOTHESIS=explore SCHED_EXAMPLES="$examples" \
  .venv/bin/python -m pytest -q -x -p no:cacheprovider tests/property
echo "soak: ${examples} examples per scheduler property, $(( $(date +%s) - start )) s"
