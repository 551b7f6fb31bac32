"""Reading the YAML itself: scalar typing, duplicate keys, aliases, tags, syntax errors.

The plan is composed from libyaml's events (syncer.core.yamlnodes); these tests pin what
a person sees, and that the pure-Python fallback (no libyaml) reads every plan the same.
"""

from __future__ import annotations

import math
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core import yamlnodes
from syncer.core.model import Plan, pos_of
from syncer.core.parse import parse_plan
from syncer.core.yamlnodes import YamlMap, YamlSeq, compose, core_value
from syncer.errors import PlanError
from tests.unit.test_parse import SKETCH

ROOT = Path(__file__).resolve().parents[2]


def goal(lines: str) -> str:
    """A one-goal plan; ``lines`` are the goal's keys, indented by four."""
    return "timezone: UTC\ngoals:\n  - id: g\n" + lines


def step(fields: str) -> str:
    return goal("    title: G\n    milestones:\n      - id: m\n        title: M\n        steps:\n"
                f"          - {{{fields}}}\n")


def problems(text: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(PlanError) as caught:
        parse_plan(text, "p.yaml")
    return [(p.code, p.pos.line, p.pos.col, p.message)  # type: ignore[attr-defined]
            for p in caught.value.problems]


def outcome(text: str) -> Plan | list[tuple[str, int, int, str]]:
    try:
        return parse_plan(text, "p.yaml")
    except PlanError as error:
        return [(p.code, p.pos.line, p.pos.col, p.message)  # type: ignore[attr-defined]
                for p in error.problems]


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize("written, value", [
    ("", None), ("~", None), ("null", None), ("NULL", None),
    ("true", True), ("False", False), ("yes", "yes"), ("no", "no"), ("on", "on"),
    ("off", "off"), ("y", "y"),
    ("8", 8), ("08", 8), ("-3", -3), ("+3", 3), ("0o17", 15), ("0x1f", 31),
    ("1_000", "1_000"), ("1.5", 1.5), ("1e3", 1000.0), (".5", 0.5), ("-.inf", -math.inf),
    ("2027-06-30", "2027-06-30"), ("12:30", "12:30"), ("1h30m", "1h30m"), ("p1", "p1"),
])
def test_plain_scalars_follow_the_yaml_1_2_core_schema(written: str, value: object) -> None:
    assert core_value(written) == value
    assert type(core_value(written)) is type(value)


def test_not_a_number_is_a_float_nan() -> None:
    assert math.isnan(core_value(".nan"))


@pytest.mark.parametrize("written", ["yes", "no", "on", "off", "true", "08", "1e3", "2027-06-30",
                                     "null-island", "'42'", "!!str 5"])
def test_a_title_is_the_text_as_written(written: str) -> None:
    plan = parse_plan(goal(f"    title: {written}\n"), "p.yaml")
    assert plan.goals[0].title == written.strip("'").removeprefix("!!str ")


def test_a_date_is_read_where_a_date_belongs_and_text_elsewhere() -> None:
    plan = parse_plan(goal("    title: 2027-06-30\n    deadline: 2027-06-30\n"
                           "    specific: '2027-01-01'\n"), "p.yaml")
    assert plan.goals[0].title == "2027-06-30"
    assert plan.goals[0].deadline == date(2027, 6, 30)
    assert plan.goals[0].specific == "2027-01-01"


def test_a_quoted_date_is_still_a_date_where_a_date_belongs() -> None:
    plan = parse_plan(goal("    title: G\n    deadline: '2027-06-30'\n"), "p.yaml")
    assert plan.goals[0].deadline == date(2027, 6, 30)


def test_estimates_take_the_typed_value() -> None:
    plan = parse_plan(step("title: A, estimate: 08"), "p.yaml")
    assert next(plan.steps()).estimate_minutes == 8
    assert problems(step("title: A, estimate: 1_000"))[0][0] == "bad-estimate"


def test_a_quoted_number_is_text_so_per_week_refuses_it() -> None:
    text = goal("    title: G\n    habits:\n      - {title: H, per_week: '3', duration: 1h}\n")
    assert [(c, line) for c, line, _, _ in problems(text)] == [("bad-per-week", 6)]


def test_yes_is_not_a_boolean() -> None:
    found = problems(step("title: A, done: yes"))
    assert [(c, m) for c, _, _, m in found] == [
        ("wrong-type", "`done` of step `g/m/a` must be true or false")]


def test_a_scalar_step_is_its_title_whatever_it_looks_like() -> None:
    text = goal("    title: G\n    milestones:\n      - id: m\n        title: M\n"
                "        steps:\n          - yes\n          - 2027\n")
    assert [s.title for s in parse_plan(text, "p.yaml").steps()] == ["yes", "2027"]


# --------------------------------------------------------------------------- duplicates


def test_every_duplicate_key_is_reported_where_it_is_written() -> None:
    text = goal("    title: A\n    title: B\n    labels: [x]\n    labels: [y]\n")
    assert problems(text) == [
        ("yaml-duplicate-key", 5, 5,
         "found duplicate key `title` (the first one is at line 4); each key may appear once"),
        ("yaml-duplicate-key", 7, 5,
         "found duplicate key `labels` (the first one is at line 6); each key may appear once"),
    ]


def test_a_quoted_key_duplicates_the_plain_one() -> None:
    found = problems(goal('    title: A\n    "title": B\n'))
    assert [(c, line, col) for c, line, col, _ in found] == [("yaml-duplicate-key", 5, 5)]


def test_duplicate_keys_inside_a_flow_mapping_are_found() -> None:
    found = problems(step("title: A, estimate: 1h, estimate: 2h"))
    assert [(c, line, col) for c, line, col, _ in found] == [("yaml-duplicate-key", 9, 38)]


# --------------------------------------------------------------------------- aliases


def test_an_alias_reuses_the_anchored_value() -> None:
    text = goal("    title: G\n    labels: &tags [learning, pmp]\n    milestones:\n"
                "      - {title: M, steps: [{title: A, estimate: &e 2h}, "
                "{title: B, estimate: *e}]}\n    habits:\n"
                "      - {title: H, per_week: 2, duration: *e}\n")
    plan = parse_plan(text, "p.yaml")
    assert [s.estimate_minutes for s in plan.steps()] == [120, 120]
    assert plan.goals[0].habits[0].duration_minutes == 120


def test_a_problem_in_an_aliased_value_points_at_the_alias() -> None:
    text = goal("    title: G\n    deadline: &d 2027-02-30\n    milestones:\n"
                "      - title: M\n        due: *d\n")
    assert [(c, line, col) for c, line, col, _ in problems(text)] == [
        ("bad-date", 5, 15), ("bad-date", 8, 14)]


def test_merge_keys_fill_in_what_the_mapping_does_not_say() -> None:
    text = goal("    title: G\n    milestones:\n      - title: M\n        steps:\n"
                "          - &base {title: A, estimate: 1h, notes: shared}\n"
                "          - {<<: *base, title: B, estimate: 2h}\n")
    b = parse_plan(text, "p.yaml").step("g/m/b")
    assert (b.title, b.estimate_minutes, b.notes) == ("B", 120, "shared")
    assert pos_of(b, "notes").line == 8  # where the merged value is written


def test_an_undefined_alias_is_reported_with_its_place() -> None:
    found = problems(goal("    title: *name\n"))
    assert [(c, line, col) for c, line, col, _ in found] == [("yaml-syntax", 4, 12)]
    assert "write `&name` on the node before using `*name`" in found[0][3]


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    found = problems(goal("    title: G\n    labels: &x [a, *x]\n"))
    assert [(c, line, col) for c, line, col, _ in found] == [("yaml-syntax", 5, 20)]


def test_aliases_share_nodes_instead_of_copying_them() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    root = compose("\n".join(lines) + "\n").root  # 10**9 leaves if expanded
    assert isinstance(root, YamlMap)
    a8, a7 = root["a8"], root["a7"]
    assert isinstance(a8, YamlSeq) and a8[0] is a7


DEEP = goal(f"    title: G\n    deadline: {'[' * 20_000}{']' * 20_000}\n")


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "fallback"])
def test_a_deeply_nested_value_is_reported_not_a_crash(
        libyaml: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own bound, not the parser's: the same answer on every PyYAML and ruamel.yaml
    release, found without reading the rest of the nesting."""
    monkeypatch.setattr(yamlnodes, "LIBYAML", libyaml and yamlnodes.LIBYAML)
    tracemalloc.start()
    try:
        found = problems(DEEP)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    [(code, line, col, message)] = found
    assert (code, line) == ("yaml-syntax", 5)
    # at the `[` that passes the bound: counted with the levels above it (the composer)
    # or in the flow collection alone (the scanner, which reads ahead of the events)
    assert 15 + yamlnodes.MAX_DEPTH - 3 <= col <= 15 + yamlnodes.MAX_DEPTH
    assert f"more than {yamlnodes.MAX_DEPTH} levels" in message
    assert peak < 4 * 2**20


def test_nesting_up_to_the_bound_is_read() -> None:
    depth = yamlnodes.MAX_DEPTH - 3  # the root mapping, `goals`, and the goal come first
    found = problems(goal(f"    title: G\n    deadline: {'[' * depth}{']' * depth}\n"))
    assert [c for c, _, _, _ in found] == ["bad-date"]


def test_a_list_where_a_word_belongs_is_named_in_the_message() -> None:
    found = problems(step("title: A, id: [x], estimate: [1, 2]"))
    assert [(c, m) for c, _, _, m in found] == [
        ("bad-id", "step id must be a word such as `research`, not ['x']"),
        ("bad-estimate", "`estimate` of step `g/m/a` must be a duration such as 30m, 2h or "
                         "1h30m, not [1, 2]"),
    ]


# --------------------------------------------------------------------------- tags, documents


def test_an_unsupported_tag_is_reported() -> None:
    found = problems(goal("    title: !!binary R28=\n"))
    assert found == [("yaml-tag", 4, 12,
                      "the YAML tag `!!binary` is not supported in a plan; remove it")]


def test_a_core_tag_that_does_not_fit_its_text_is_reported() -> None:
    found = problems(step("title: A, estimate: !!int soon"))
    assert [(c, line) for c, line, _, _ in found] == [("yaml-tag", 9)]


def test_a_second_document_is_reported_at_its_start() -> None:
    found = problems("timezone: UTC\ngoals: [{title: G}]\n---\ntimezone: UTC\n")
    assert [(c, line, col) for c, line, col, _ in found] == [("yaml-syntax", 3, 1)]


def test_a_document_marker_alone_is_an_empty_plan() -> None:
    assert [c for c, _, _, _ in problems("---\n# nothing yet\n")] == ["empty-plan"]


def test_a_list_used_as_a_key_is_reported() -> None:
    found = problems("timezone: UTC\n? [a, b]\n: c\ngoals: [{title: G}]\n")
    assert [(c, line, col) for c, line, col, _ in found] == [("wrong-type", 2, 3)]


# --------------------------------------------------------------------------- syntax errors


def test_syntax_error_says_what_was_found_and_where_the_construct_began() -> None:
    text = (ROOT / "tests/data/bad/yaml-syntax.yaml").read_text(encoding="utf-8")
    [(code, line, col, message)] = problems(text)
    assert (code, line, col) == ("yaml-syntax", 9, 7)
    # The parser's own words vary between releases; what it found and where the
    # construct began (our addition) are what a person needs.
    assert message.startswith("YAML syntax error: ")
    assert "'-'" in message and message.endswith(" at line 8)")


def test_a_control_character_is_reported_where_it_stands() -> None:
    found = problems("timezone: UTC\ngoals:\n  - title: G\x07\n")
    assert found == [("yaml-syntax", 3, 13, "YAML syntax error: the character '\\x07' "
                      "(#x0007) is not allowed in YAML; remove it")]


def test_columns_count_characters_not_bytes() -> None:
    found = problems(goal("    title: Über\n    deadline: später\n"))
    assert [(c, line, col) for c, line, col, _ in found] == [("bad-date", 5, 15)]
    found = problems('timezone: UTC\ngoals:\n  - title: "Ärger \\q"\n')
    assert found[0][:3] == ("yaml-syntax", 3, 19)


# --------------------------------------------------------------------------- fallback


@pytest.fixture
def without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlnodes, "LIBYAML", False)


@pytest.mark.parametrize("path", sorted((ROOT / "tests/data/bad").glob("*.yaml"))
                         + [ROOT / "examples/career.yaml"], ids=lambda p: p.stem)
def test_without_libyaml_every_plan_reads_the_same(path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = outcome(text)
    monkeypatch.setattr(yamlnodes, "LIBYAML", False)
    assert outcome(text) == fast


@pytest.mark.usefixtures("without_libyaml")
def test_without_libyaml_a_question_mark_in_a_flow_list_is_fine() -> None:
    plan = parse_plan(SKETCH, "p.yaml")
    assert plan.reflection == ("What went well?", "What got in the way?")


LINES = SKETCH.splitlines()
EDITS = st.sampled_from(["", "~", "yes", "08", "1_000", "2027-02-30", "[a", "{", "*x", "&x y",
                         "!!str 5", "a: b", "- c", "|", "? k", "'q", "title: again"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.booleans(), EDITS), max_size=3))
def test_the_fallback_parser_agrees_with_libyaml(edits: list[tuple[int, bool, str]]) -> None:
    lines = list(LINES)
    for index, replace, value in edits:
        line = lines[index]
        indent = " " * (len(line) - len(line.lstrip()))
        if replace and ":" in line:
            lines[index] = f"{line.split(':', 1)[0]}: {value}"
        else:
            lines.insert(index, indent + value)
    text = "\n".join(lines) + "\n"
    fast = outcome(text)
    yamlnodes.LIBYAML = False
    try:
        slow = outcome(text)
    finally:
        yamlnodes.LIBYAML = True
    if text.startswith("|\n") and isinstance(fast, list):
        # A top-level `|` with its text at column 0: ruamel.yaml reads a block scalar (as
        # YAML 1.2 allows), libyaml stops at line 2. Either way the plan is refused.
        assert isinstance(slow, list) and slow[0][0] in ("wrong-type", "yaml-syntax")
    else:
        assert slow == fast
