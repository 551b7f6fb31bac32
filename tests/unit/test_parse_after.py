"""`after` references: any acyclic graph parses to exactly its edges; any cycle is an error."""

from __future__ import annotations

import graphlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.parse import parse_plan
from syncer.errors import PlanError

EDGES = st.integers(1, 7).flatmap(lambda n: st.tuples(
    st.just(n), st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12)))


def plan_text(n: int, edges: set[tuple[int, int]]) -> str:
    lines = ["timezone: UTC", "goals:", "  - id: g", "    title: G", "    milestones:",
             "      - id: m", "        title: M", "        steps:"]
    for i in range(n):
        after = sorted(f"s{j}" for k, j in edges if k == i)
        lines.append(f"          - {{id: s{i}, title: Step {i}, after: [{', '.join(after)}]}}")
    return "\n".join(lines) + "\n"


def has_cycle(n: int, edges: set[tuple[int, int]]) -> bool:
    sorter = graphlib.TopologicalSorter({i: {j for k, j in edges if k == i} for i in range(n)})
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return True
    return False


@settings(max_examples=60, deadline=None)
@given(EDGES)
def test_after_graph_parses_iff_it_has_no_cycle(graph: tuple[int, set[tuple[int, int]]]) -> None:
    n, edges = graph
    text = plan_text(n, edges)
    if has_cycle(n, edges):
        with pytest.raises(PlanError) as caught:
            parse_plan(text, "p")
        assert {p.code for p in caught.value.problems} == {"cyclic-after"}  # type: ignore[attr-defined]
    else:
        plan = parse_plan(text, "p")
        for i in range(n):
            expected = {f"g/m/s{j}" for k, j in edges if k == i}
            assert set(plan.step(f"g/m/s{i}").after) == expected
