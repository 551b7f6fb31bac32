"""Benchmark: reading and parsing a plan file (``syncer.planfile.load_plan``).

    .venv/bin/python bench/load_plan.py
    .venv/bin/python bench/load_plan.py --plan examples/career.yaml --runs 9

Prints the median, best and worst seconds of ``--runs`` calls (after one warm-up call,
so imports are not counted), the number of steps, and which YAML composer was used.
Not a test: seconds vary by machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syncer.planfile import load_plan  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=str(ROOT / "examples" / "large.yaml"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    plan = load_plan(args.plan)  # warm-up: imports, zone data
    seconds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        load_plan(args.plan)
        seconds.append(time.perf_counter() - start)
    composer = _composer_name()
    print(f"plan: {args.plan} ({sum(1 for _ in plan.steps())} steps)")
    print(f"composer: {composer}")
    print(f"load_plan seconds over {args.runs} runs: median {statistics.median(seconds):.4f}"
          f", best {min(seconds):.4f}, worst {max(seconds):.4f}")


def _composer_name() -> str:
    try:
        from syncer.core import yamlnodes
    except ImportError:
        return "ruamel.yaml round-trip loader"
    return yamlnodes.COMPOSER


if __name__ == "__main__":
    main()
