"""Whatever the text, parse_plan returns a Plan or raises PlanError: never anything else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.model import Plan
from syncer.core.parse import parse_plan
from syncer.errors import PlanError
from tests.unit.test_parse import SKETCH

LINES = SKETCH.splitlines()
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                    st.text(max_size=8), st.sampled_from(["2027-02-30", "1h", "-1", "[a", "{",
                                                          "*x", "&x y", "!!binary x", "~"]))


def outcome(text: str) -> str:
    try:
        result = parse_plan(text, "fuzz.yaml")
    except PlanError as error:
        assert error.problems, "a PlanError always carries its problems"
        assert all(p.pos.line >= 1 and p.pos.col >= 1 for p in error.problems)  # type: ignore[attr-defined]
        return "error"
    assert isinstance(result, Plan)
    return "plan"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.integers(0, 3), SCALARS),
                max_size=4))
def test_mutated_plan_gives_a_plan_or_a_plan_error(edits: list[tuple[int, int, object]]) -> None:
    lines = list(LINES)
    for index, how, value in edits:
        line = lines[index]
        if how == 0:
            lines[index] = ""
        elif how == 1 and ":" in line:
            lines[index] = f"{line.split(':', 1)[0]}: {value}"
        elif how == 2:
            lines.insert(index, f"{' ' * (len(line) - len(line.lstrip()))}{value}")
        else:
            lines[index] = line[: len(line) // 2]
    outcome("\n".join(lines) + "\n")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_gives_a_plan_or_a_plan_error(text: str) -> None:
    outcome(text)
