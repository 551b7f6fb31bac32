"""The plan's own `holidays:` (issue 14): a country or country-subdivision whose public
holidays get no goal blocks, or `none`; it wins over the scheduling rule `holidays`,
while `book_holidays` still applies. Parsing checks only the form (it must not import
the `holidays` package); the country is checked where the dates are needed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from syncer.core.budget import fit_warnings
from syncer.core.model import Goal, Habit, Plan, pos_of
from syncer.core.parse import parse_plan
from syncer.core.public_holidays import holiday_dates, stored
from syncer.core.schedule import SchedulingRules, holiday_region, schedule
from syncer.errors import PlanError
from syncer.holiday_store import STORE_FILE, HolidayFile, package_version

BERLIN = ZoneInfo("Europe/Berlin")
CHRISTMAS_WEEK = datetime(2026, 12, 21, 8, tzinfo=BERLIN)  # a Monday
HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}  # DE, all Länder

# A person with a day job, evenings every day of the week for goal work, a budget, a
# habit and a talk to prepare over the holidays.
PLAN = """\
vision: Speak at a European data conference
timezone: Europe/Berlin
{holidays}weekly_hours: 10
goals:
  - id: talk
    title: Give a talk on stream processing at a conference
    deadline: 2027-03-31
    habits:
      - {{title: Read a paper, per_week: 2, duration: 45m}}
    milestones:
      - id: draft
        title: Draft the talk
        steps:
{steps}
"""
STEPS = "\n".join(f"          - {{id: s{i}, title: Part {i}, estimate: 1h}}"
                  for i in range(14))
EVENINGS = SchedulingRules.from_mapping({"hours": {"goals": {
    day: ["18:00-20:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}})


def plan_with(holidays: str | None) -> Plan:
    line = "" if holidays is None else f"holidays: {holidays}\n"
    return parse_plan(PLAN.format(holidays=line, steps=STEPS), "goals.yaml")


def booked_days(plan: Plan, rules: SchedulingRules) -> set[date]:
    result = schedule(plan, rules, now=CHRISTMAS_WEEK,
                      horizon_end=CHRISTMAS_WEEK + timedelta(weeks=3))
    return {b.start.astimezone(BERLIN).date() for b in result.blocks}


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(("written", "value"), [
    ("DE", "DE"), ("de", "DE"), ("de-by", "DE-BY"), ("US-CA", "US-CA"), ('"GB"', "GB"),
    ("NO", "NO"),  # Norway: YAML 1.1 would read it as false; the text is kept
    ("none", ""), ("None", ""), ("NONE", "")])
def test_holidays_are_read_as_a_code_or_none(written: str, value: str) -> None:
    assert plan_with(written).holidays == value


def test_without_the_key_the_rules_decide() -> None:
    plan = plan_with(None)
    assert plan.holidays is None
    assert holiday_region(plan, replace(EVENINGS, holidays="AT")) == "AT"
    assert holiday_region(plan_with("none"), replace(EVENINGS, holidays="AT")) == ""
    assert holiday_region(plan_with("de-by"), replace(EVENINGS, holidays="AT")) == "DE-BY"


@pytest.mark.parametrize(("written", "col", "words"), [
    ("Germany", 11, "not a country code"), ("DE_BY", 11, "not a country code"),
    ("DE-BAVARIA", 11, "not a country code"), ("D", 11, "not a country code"),
    ("[DE, AT]", 11, "must be one code"), ("{country: DE}", 11, "must be one code"),
    ("", 1, "is empty"), ("~", 1, "is empty"), ("no", 11, "ambiguous"),
    ("false", 11, "not a country code")])
def test_a_badly_written_code_is_an_error_at_its_place(written: str, col: int,
                                                      words: str) -> None:
    with pytest.raises(PlanError) as caught:
        plan_with(written)
    [problem] = caught.value.problems
    assert (problem.code, problem.pos.line, problem.pos.col) == ("bad-holidays", 3, col)
    assert words in problem.message
    assert "US-CA" in problem.message or "none" in problem.message  # says what to write


def test_parsing_a_plan_with_holidays_does_not_import_the_package() -> None:
    """Start-up: `holidays` costs ~80 ms to import; the quick no-change sync parses the
    plan and must not pay for it (tests/integration/test_quick_sync.py guards the whole
    command)."""
    text = PLAN.format(holidays="holidays: DE-BY\n", steps=STEPS)
    script = textwrap.dedent(f"""
        import json, sys
        from syncer.core.parse import parse_plan
        plan = parse_plan({text!r}, "g.yaml")
        print(json.dumps([plan.holidays, "holidays" in sys.modules]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == ["DE-BY", False]


# ---------------------------------------------------------------- scheduling


def test_the_plans_country_keeps_christmas_free() -> None:
    days = booked_days(plan_with("DE"), EVENINGS)  # the rules name no country
    assert not days & HOLIDAYS
    assert date(2026, 12, 24) in days and date(2026, 12, 27) in days
    assert booked_days(plan_with(None), EVENINGS) >= HOLIDAYS  # without it: booked


def test_none_in_the_plan_books_the_holidays_the_rules_keep_free() -> None:
    rules = replace(EVENINGS, holidays="DE")
    assert not booked_days(plan_with(None), rules) & HOLIDAYS
    assert booked_days(plan_with("none"), rules) >= HOLIDAYS


def test_a_subdivision_adds_its_own_holidays() -> None:
    """Epiphany (6 January) is a holiday in Bavaria, not in Berlin."""
    epiphany = date(2027, 1, 6)
    assert epiphany in booked_days(plan_with("DE-BE"), EVENINGS)
    assert epiphany not in booked_days(plan_with("DE-BY"), EVENINGS)


def test_book_holidays_in_the_rules_still_applies() -> None:
    anyway = replace(EVENINGS, book_holidays=True)
    assert booked_days(plan_with("DE"), anyway) >= HOLIDAYS


@pytest.mark.parametrize(("written", "words"), [
    ("XX", "no public holidays are known for country 'XX'"),
    ("DE-XX", "DE has no subdivision 'XX'; its subdivisions: BB, BE, BW, BY")])
def test_an_unknown_country_is_a_plan_error_at_the_key(written: str, words: str) -> None:
    plan = plan_with(written)  # well-formed: parsing accepts it
    with pytest.raises(PlanError) as caught:
        schedule(plan, EVENINGS, now=CHRISTMAS_WEEK)
    [problem] = caught.value.problems
    assert problem.code == "unknown-holidays" and words in problem.message
    assert problem.pos == pos_of(plan, "holidays")
    assert (problem.pos.line, problem.pos.col) == (3, 11)
    with pytest.raises(PlanError):  # check's budget warning schedules too
        fit_warnings(plan, EVENINGS, CHRISTMAS_WEEK)


# ---------------------------------------------------------------- check's warning


def test_the_budget_warning_names_the_plans_country_and_its_key() -> None:
    """Three 45-min morning runs on Mon/Wed/Fri in Christmas week: Friday is the 25th
    (and New Year's Day the week after), so sessions are lost to the plan's holidays."""
    mornings = (((390, 450),), (), ((390, 450),), (), ((390, 450),), (), ())
    rules = replace(SchedulingRules(), hour_sets=tuple(
        (name, mornings if name == "personal" else week)
        for name, week in SchedulingRules().hour_sets))
    run = Habit("fit/habit:run", "run", "Morning run", "fit", 3, 45, hours="personal")
    goal = Goal("fit", "fit", "Fitness", deadline=date(2027, 4, 30), habits=(run,))
    plan = Plan("goals.yaml", "Europe/Berlin", (goal,), weekly_hours=10, holidays="DE")
    [warning] = fit_warnings(plan, rules, CHRISTMAS_WEEK)
    assert "public holidays (DE)" in warning.message
    assert "`holidays: none` in the plan books them" in warning.message
    assert fit_warnings(replace(plan, holidays=""), replace(rules, holidays="DE"),
                        CHRISTMAS_WEEK) == []


# ---------------------------------------------------------------- dates kept beside the state


def christmas_dates() -> frozenset[date]:
    return holiday_dates("DE-BY", date(2026, 12, 20), date(2027, 1, 10))


def test_computed_dates_are_kept_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    with stored(HolidayFile(path)):
        first = christmas_dates()
    assert first == {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1),
                     date(2027, 1, 6)}
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["holidays"] == package_version() and set(saved["dates"]) == {
        "DE-BY 2026", "DE-BY 2027"}
    again = HolidayFile(path)
    assert again.knows("DE-BY") and not again.knows("DE")
    assert again.get("DE-BY", 2027) == {d for d in first if d.year == 2027} | {
        d for d in holiday_dates("DE-BY", date(2027, 1, 11), date(2027, 12, 31))}


@pytest.mark.parametrize("text", [
    "not json", "[]", '{"holidays": "0.0-old", "dates": {"DE-BY 2026": []}}',
    '{"holidays": "%s", "dates": {"DE-BY 2026": ["2026-13-45"], "DE-BY 2027": [1]}}',
    '{"holidays": "%s", "dates": {"DE-BY 2026": ["2027-01-01"]}}'])  # wrong year
def test_a_damaged_or_outdated_file_is_computed_again(tmp_path: Path, text: str) -> None:
    path = tmp_path / STORE_FILE
    path.write_text(text.replace("%s", package_version() or "?"), encoding="utf-8")
    with stored(HolidayFile(path)):
        assert date(2026, 12, 25) in christmas_dates()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert "2026-12-25" in saved["dates"]["DE-BY 2026"]


def test_a_dry_run_only_reads_and_an_unwritable_folder_is_no_failure(
        tmp_path: Path) -> None:
    with stored(HolidayFile(tmp_path / STORE_FILE, write=False)):
        assert date(2026, 12, 25) in christmas_dates()
    assert not (tmp_path / STORE_FILE).exists()
    with stored(HolidayFile(tmp_path / "missing" / STORE_FILE)):
        assert date(2026, 12, 25) in christmas_dates()
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_private_like_the_rest_of_the_state(tmp_path: Path) -> None:
    with stored(HolidayFile(tmp_path / STORE_FILE)):
        christmas_dates()
    assert (tmp_path / STORE_FILE).stat().st_mode & 0o777 == 0o600
