"""`goalsync init`: a commented starter plan that always passes `goalsync check`, and an
interview that never loses what was typed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.answers import (
    Retry,
    guess_timezone,
    holidays_default,
    parse_amount,
    parse_date,
    parse_holidays,
    parse_priority,
    parse_weekly_hours,
    zone_country,
    zone_suggestion,
)
from syncer.cli import cli
from syncer.commands.init_cmd import UNFINISHED, Ask, Draft, interview, render_plan
from syncer.core.parse import parse_plan
from syncer.planfile import load_plan
from tests.cli.test_check import run_main

TODAY = date.today()  # init dates the plan from the real clock
DEADLINE = TODAY + timedelta(days=300)
DUE = TODAY + timedelta(days=120)


def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# In order: vision, time zone, public holidays (Enter: the zone's country), hours a
# week, title, specific, metric, target, current,
# achievable, relevant, deadline, priority, milestone, due, celebrate, steps (title,
# estimate)..., an empty title, "in this order?", habit title, per week, length.
INTERACTIVE = [
    "Lead data platforms at a climate-tech company", "Europe/Berlin", "", "6",
    "Pass the Google Professional Data Engineer exam",
    "Pass the Google Professional Data Engineer exam at the first attempt",
    "exam score", "70 %", "55", "My employer pays the course", "The next step to lead",
    DEADLINE.isoformat(), "important",
    "Finish the prep course", DUE.isoformat(), "Dinner by the river",
    "Pick a prep course", "2h", "Course modules 1-4", "10h", "", "y",
    "Practice exam", "1", "2h", "",  # then Enter: the default hour set
]


def invoke(target: Path, lines: list[str], *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", str(target), *extra], input=answers(*lines))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def check(target: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", str(target)])
    return result.exit_code, result.output


def test_example_writes_a_plan_that_passes_check(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    result = CliRunner().invoke(cli, ["init", str(target), "--example", "--timezone",
                                      "Europe/Berlin"])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# goalsync plan")
    assert "# S: exactly what you will achieve" in text
    code, output = check(target)
    assert code == 0, output
    plan = load_plan(target)
    assert plan.timezone == "Europe/Berlin"
    assert len(list(plan.steps())) == 4 and len(list(plan.habits())) == 1


def test_interactive_answers_become_the_first_goal(tmp_path: Path) -> None:
    target = tmp_path / "career.yaml"
    code, output = invoke(target, INTERACTIVE)
    assert code == 0, output
    goal = load_plan(target).goals[0]
    assert goal.title == "Pass the Google Professional Data Engineer exam"
    assert goal.priority == 2 and goal.deadline == DEADLINE
    assert goal.measurable is not None
    assert (goal.measurable.target, goal.measurable.unit, goal.measurable.current) == \
        (70, "%", 55)
    milestone = goal.milestones[0]
    assert milestone.due == DUE and milestone.celebrate == "Dinner by the river"
    assert [(s.title, s.estimate_minutes) for s in goal.steps] == [
        ("Pick a prep course", 120), ("Course modules 1-4", 600)]
    # "in this order? y": each step comes after the one before
    assert [[a.rsplit("/", 1)[-1] for a in s.after] for s in goal.steps] == [
        [], ["pick-a-prep-course"]]
    assert goal.habits[0].per_week == 1 and goal.habits[0].duration_minutes == 120
    assert check(target)[0] == 0
    assert "PMP" not in target.read_text(encoding="utf-8")


def test_steps_stay_unlinked_unless_the_person_says_so(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[lines.index("y")] = ""  # Enter: the default "no"
    assert invoke(target, lines)[0] == 0
    assert all(not s.after for s in load_plan(target).goals[0].steps)
    assert "after:" not in target.read_text(encoding="utf-8").split("goals:")[1]


def test_units_and_words_people_type_are_understood(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[3] = "6 h"                  # hours a week with a unit
    lines[7] = "70%"                  # target without a space
    lines[12] = "urgent important"    # the two words of the Eisenhower quadrant
    lines[lines.index("2h")] = "90m"
    code, output = invoke(target, lines)
    assert code == 0, output
    plan = load_plan(target)
    assert plan.weekly_hours == 6
    goal = plan.goals[0]
    assert goal.priority == 1 and goal.measurable is not None
    assert (goal.measurable.target, goal.measurable.unit) == (70, "%")
    assert goal.steps[0].estimate_minutes == 90


def test_each_mistake_is_explained_and_asked_again(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    # from the last answer to the first, so the indexes stay those of INTERACTIVE
    lines[14:15] = [(DEADLINE + timedelta(days=30)).isoformat(), DUE.isoformat()]
    lines[12:13] = ["very", "urgent important"]     # priority
    lines[11:12] = ["next year", "2020-01-01", DEADLINE.isoformat()]
    lines[7:8] = ["seventy", "70 %"]                # target: no number
    lines[3:4] = ["lots", "6h"]                     # hours a week: not a number
    lines[2:3] = ["XX", "Germany", ""]              # holidays: a bad code, a name
    lines[1:2] = ["berlin", ""]                     # did-you-mean, Enter takes it
    code, output = invoke(target, lines)
    assert code == 0, output
    assert "Did you mean Europe/Berlin? Press Enter to take it" in output
    assert "'lots' is not a number of hours" in output
    assert "'seventy' does not start with a number" in output
    assert "'next year' is not a date" in output
    assert "2020-01-01 is not after today" in output
    assert "'very' is not a priority" in output
    assert "'Germany' is a country name; its code is DE" in output
    assert "no public holidays are known for country 'XX'" in output
    # the cross-field check runs when the milestone's date is typed, not at the end
    assert f"is after the goal's deadline ({DEADLINE.isoformat()})" in output
    plan = load_plan(target)
    assert plan.timezone == "Europe/Berlin" and plan.weekly_hours == 6
    assert plan.holidays == "DE"
    assert plan.goals[0].priority == 1 and plan.goals[0].milestones[0].due == DUE
    assert "Traceback" not in output


def test_enter_skips_and_never_fills_in_the_example(tmp_path: Path) -> None:
    """Only the title is required; Enter elsewhere skips or takes a default shown in
    brackets (the system zone, priority important, 1h estimates)."""
    target = tmp_path / "goals.yaml"
    lines = ["", "", "", "", "", "Ship the data platform migration to Kafka by Q3", ""]
    code, output = invoke(target, lines + [""] * 20, "--timezone", "Asia/Tokyo")
    assert code == 0, output
    assert "This one needs an answer." in output  # Enter on the title
    text = target.read_text(encoding="utf-8")
    assert "PMP" not in text and "Lead product teams" not in text
    plan = load_plan(target)
    assert plan.timezone == "Asia/Tokyo" and plan.weekly_hours is None
    assert plan.holidays == "JP"  # Enter took the zone's country
    goal = plan.goals[0]
    assert goal.title == "Ship the data platform migration to Kafka by Q3"
    assert not goal.specific and goal.measurable is None and goal.priority == 2
    assert check(target)[0] == 0


def test_milestone_due_defaults_to_halfway_to_the_deadline(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[14] = ""  # Enter on the due date
    code, output = invoke(target, lines)
    assert code == 0, output
    halfway = TODAY + (DEADLINE - TODAY) / 2
    assert f"Its due date [{halfway.isoformat()}]" in output
    assert load_plan(target).goals[0].milestones[0].due == halfway


def test_a_refused_milestone_date_keeps_the_halfway_suggestion(tmp_path: Path) -> None:
    """Review finding 16: after a date past the deadline was refused, the suggestion
    changed from halfway to the deadline itself."""
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[14:15] = [(DEADLINE + timedelta(days=30)).isoformat(), ""]  # refused, Enter
    code, output = invoke(target, lines)
    assert code == 0, output
    halfway = TODAY + (DEADLINE - TODAY) / 2
    assert output.count(f"Its due date [{halfway.isoformat()}]") == 2
    assert f"Its due date [{DEADLINE.isoformat()}]" not in output
    assert f"Enter takes {halfway.isoformat()}" in output
    assert load_plan(target).goals[0].milestones[0].due == halfway


def test_a_vague_title_gets_the_smart_hint_on_the_spot(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[4:5] = ["Improve my data engineering",
                  "Pass the Google Professional Data Engineer exam"]
    lines[6:7] = ["Pass it", ""]  # too short: hinted, Enter keeps it
    code, output = invoke(target, lines)
    assert code == 0, output
    assert 'SMART hint: the title is vague ("improve")' in output
    assert "fewer than 5 words" in output
    goal = load_plan(target).goals[0]
    assert goal.title == "Pass the Google Professional Data Engineer exam"
    assert goal.specific == "Pass it"


def test_too_much_work_for_the_weekly_hours_is_flagged_when_known(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[3] = "1"
    lines[lines.index("10h")] = "300h"
    code, output = invoke(target, lines + ["12"])  # raise the hours when asked
    assert code == 0, output
    assert "SMART hint: goals `pass-the-google" in output and "h/week" in output
    assert load_plan(target).weekly_hours == 12


def test_stopping_halfway_keeps_a_valid_partial_plan(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    code, output = invoke(target, INTERACTIVE[:11])  # input ends at the deadline
    assert code == 130
    assert f"Your answers so far are saved in {target}" in output
    text = target.read_text(encoding="utf-8")
    assert text.startswith(UNFINISHED)
    assert "stopped before these questions: deadline, priority, milestone, steps, " \
           "habit, goal hours." in text
    assert "current: 55" in text
    assert check(target)[0] == 0  # valid as it stands


def test_init_continues_where_it_was_stopped(tmp_path: Path) -> None:
    whole, target = tmp_path / "whole.yaml", tmp_path / "goals.yaml"
    assert invoke(whole, INTERACTIVE)[0] == 0
    assert invoke(target, INTERACTIVE[:11])[0] == 130  # stopped at the deadline
    code, output = invoke(target, [""] + INTERACTIVE[11:])  # Enter: yes, continue
    assert code == 0, output
    assert "still open: deadline, priority, milestone, steps, habit, goal hours." in output
    assert "Your first goal" not in output  # answered questions are not asked again
    assert target.read_text(encoding="utf-8") == \
        whole.read_text(encoding="utf-8").replace(str(whole), str(target))


def test_stopping_again_keeps_everything_in_the_same_file(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    invoke(target, INTERACTIVE[:11])
    code, output = invoke(target, ["y"] + INTERACTIVE[11:14])  # then stops at the due date
    assert code == 130
    assert not (tmp_path / "goals.partial.yaml").exists()
    text = target.read_text(encoding="utf-8")
    assert "stopped before these questions: milestone, steps, habit, goal hours." in text
    assert f"deadline: {DEADLINE.isoformat()}" in text and "current: 55" in text
    assert f"`goalsync init {target}` continues from there" in output


def test_declining_to_continue_keeps_the_file(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    invoke(target, INTERACTIVE[:11])
    before = target.read_text(encoding="utf-8")
    code, stdout, stderr = run_main(["init", str(target)], input="n\n")
    assert code == 2 and "was kept as it is" in stderr and "--force" in stderr
    assert target.read_text(encoding="utf-8") == before


def test_an_edited_unfinished_plan_is_not_continued(tmp_path: Path) -> None:
    """Continuing rewrites the file from the saved answers: after an edit that would
    lose the edit, so init refuses and says why."""
    target = tmp_path / "goals.yaml"
    invoke(target, INTERACTIVE[:11])
    target.write_text(target.read_text(encoding="utf-8").replace(
        "    # deadline: YYYY-MM-DD", "    deadline: 2099-01-01  # my own edit"),
        encoding="utf-8")
    code, _, stderr = run_main(["init", str(target)])
    assert code == 2 and "unfinished plan of an earlier `goalsync init`, edited since" in \
        stderr
    assert "my own edit" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("lines", [["Lead data teams", "UTC"],
                                   ["Lead data teams", "UTC", "", "6h"]])
def test_stopping_before_the_goal_still_writes_a_valid_plan(tmp_path: Path,
                                                           lines: list[str]) -> None:
    """Review finding 16: a plan stopped before the first goal's title had `goals: []`,
    which `check` refuses ("the plan has no goals"); README promises a valid plan."""
    target = tmp_path / "goals.yaml"
    code, _ = invoke(target, lines)
    assert code == 130
    text = target.read_text(encoding="utf-8")
    assert 'vision: "Lead data teams"' in text and "not written yet" in text
    code, output = check(target)
    assert code == 0, output
    assert "is the unfinished plan of a stopped `goalsync init`" in output
    # and init continues it, the placeholder giving way to the real goal
    rest = INTERACTIVE[len(lines):]
    code, output = invoke(target, ["yes", *rest])
    assert code == 0, output
    assert [g.title for g in load_plan(target).goals] == [INTERACTIVE[4]]


def test_stopping_at_once_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    code, output = invoke(target, ["", ""])  # Enter, Enter, then the input ends
    assert code == 2 and not target.exists()
    assert "init ran out of input before any answer" in output and "--example" in output


def test_stopping_with_force_keeps_the_old_plan(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    target.write_text("my precious plan\n")
    code, output = invoke(target, INTERACTIVE[:5], "--force")
    assert code == 130
    assert target.read_text() == "my precious plan\n"
    partial = tmp_path / "goals.partial.yaml"
    assert partial.read_text(encoding="utf-8").startswith(UNFINISHED)
    assert str(partial) in output


def test_a_new_question_is_one_function() -> None:
    """How another question joins the interview: a function that asks with ``Ask``
    and stores its answer on the draft (``extra`` for a top-level setting)."""
    def ask_focus(ask: Ask, d: Draft, today: date) -> None:
        hours = ask("Deep-work hours a day", parse_weekly_hours, skip=True)
        if hours is not None:
            d.extra["focus_hours"] = ("deep-work hours a day", hours)

    draft = Draft(timezone="UTC", title="Ship the migration to Kafka")
    runner = CliRunner()
    with runner.isolation(input="3 h\n"):
        assert interview(draft, TODAY, [("focus", ask_focus)]) == ["focus"]
    text = render_plan(draft, "goals.yaml")
    assert "# deep-work hours a day\nfocus_hours: 3.0\n" in text
    with pytest.raises(Exception, match="unknown"):  # the plan format must learn the key
        parse_plan(text, "goals.yaml")


@pytest.mark.parametrize(("text", "quadrant"), [
    ("urgent important", "urgent-important"), ("Urgent and important", "urgent-important"),
    ("important, urgent", "urgent-important"), ("urgent-important", "urgent-important"),
    ("both", "urgent-important"), ("p1", "urgent-important"), ("2", "important"),
    ("important", "important"), ("urgent", "urgent"), ("neither", "neither"),
    ("P4", "neither")])
def test_priorities_as_people_write_them(text: str, quadrant: str) -> None:
    assert parse_priority(text) == quadrant


@pytest.mark.parametrize(("text", "hours"), [
    ("6", 6), ("6h", 6), ("6 h", 6), ("6.5 hours", 6.5), ("6,5", 6.5), ("90m", 1.5),
    ("1h30m", 1.5), ("8 h a week", 8), ("8h/week", 8)])
def test_weekly_hours_as_people_write_them(text: str, hours: float) -> None:
    assert parse_weekly_hours(text) == hours


@pytest.mark.parametrize("text", ["lots", "0", "200h", "-3"])
def test_weekly_hours_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(ValueError, match="hours"):
        parse_weekly_hours(text)


@pytest.mark.parametrize(("text", "amount"), [
    ("70 %", (70, "%")), ("70%", (70, "%")), ("12 talks", (12, "talks")),
    ("6h", (6, "h")), ("4", (4, "")), ("3,5 GPA", (3.5, "GPA"))])
def test_targets_with_their_units(text: str, amount: tuple[float, str]) -> None:
    assert parse_amount(text) == amount


def test_relative_dates() -> None:
    today = date(2027, 1, 31)
    assert parse_date("in 6 months", today) == date(2027, 7, 28)
    assert parse_date("12 weeks", today) == today + timedelta(weeks=12)
    assert parse_date("+90d", today) == today + timedelta(days=90)
    assert parse_date("2027-06-30", today) == date(2027, 6, 30)


@pytest.mark.parametrize(("text", "zone"), [
    ("berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"),
    ("Europe/Berlln", "Europe/Berlin"), ("new york", "America/New_York"),
    ("Mars/Olympus", None)])
def test_time_zone_did_you_mean(text: str, zone: str | None) -> None:
    assert zone_suggestion(text) == zone


def test_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    target.write_text("my precious plan\n")
    code, _, stderr = run_main(["init", str(target), "--example"])
    assert code == 2
    assert "already exists" in stderr and "--force" in stderr
    assert target.read_text() == "my precious plan\n"


def test_force_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    target.write_text("old\n")
    result = CliRunner().invoke(cli, ["init", str(target), "--example", "--force"])
    assert result.exit_code == 0
    assert target.read_text().startswith("# goalsync plan")


def test_unknown_timezone_option_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = run_main(["init", str(tmp_path / "g.yaml"), "--example",
                                "--timezone", "Mars/Base"])
    assert code == 2 and "not an IANA timezone" in stderr


def test_timezone_is_guessed_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert guess_timezone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "not a zone")
    assert guess_timezone() != "not a zone"


HOSTILE = ["日本語の目標", 'C++ & C#: the "hard" parts #1', "- [x] {a: b}", "\x07bell\x1b[31m",
           "x" * 3000, "\u202eevil", "null", "true", "*alias", "&anchor", "!tag", "|", ">",
           "%", "~", "@", "`", "{{", "\\", "---", "...", "#"]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_any_text_makes_a_plan_that_passes_check(tmp_path: Path, text: str) -> None:
    """Whatever is typed into the text questions (YAML syntax, control characters,
    text that slugs to nothing, very long lines), the plan written, whole or partial,
    is valid; nothing ends in a traceback."""
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    for index in (0, 4, 5, 6, 9, 10, 13, 15, 16):  # every free-text answer
        lines[index] = text
    lines[18] = f"{text} 2"  # a second step that must not clash with the first
    code, output = invoke(target, lines + [""] * 10)
    assert "Traceback" not in output and "unexpected error" not in output
    assert code in (0, 130), output
    assert check(target)[0] == 0, target.read_text(encoding="utf-8")


def test_init_asks_when_goal_work_happens_with_a_default_from_the_hours(
        tmp_path: Path) -> None:
    target = tmp_path / "career.yaml"
    lines = list(INTERACTIVE)
    lines[3] = "15"  # hours a week: more than the evening set holds
    code, output = invoke(target, lines)
    assert code == 0, output
    assert "When can you work on this goal?" in output and "[personal]" in output
    assert load_plan(str(target)).goals[0].hours == "personal"
    lines[-1] = "work"
    target.unlink()
    assert invoke(target, lines)[0] == 0
    assert load_plan(str(target)).goals[0].hours == "work"


# ---------------------------------------------------------------- public holidays


@pytest.mark.parametrize(("zone", "country"), [
    ("Europe/Berlin", "DE"), ("America/New_York", "US"), ("America/Los_Angeles", "US"),
    ("Europe/London", "GB"), ("Asia/Tokyo", "JP"), ("Europe/Oslo", "NO"),
    ("Europe/Kiev", "UA"),  # an old name the tz database keeps as a link
    ("UTC", None), ("Etc/GMT+1", None)])
def test_the_default_country_comes_from_the_time_zone(zone: str, country: str | None) -> None:
    assert zone_country(zone) == country
    assert holidays_default(zone) == country


@pytest.mark.parametrize(("text", "value"), [
    ("DE", "DE"), ("de", "DE"), (" us-ca ", "US-CA"), ("de-by", "DE-BY"), ("none", "none"),
    ("None", "none"), ("NO", "NO")])
def test_holiday_answers_as_people_type_them(text: str, value: str) -> None:
    assert parse_holidays(text) == value


@pytest.mark.parametrize(("text", "says", "suggestion"), [
    ("Germany", "its code is DE", "DE"), ("united states", "its code is US", "US"),
    ("no", "type none", "none"), ("XX", "no public holidays are known", None),
    ("DE-XX", "DE has no subdivision 'XX'", None), ("DE_BY", "not a country code", None)])
def test_a_bad_holiday_answer_is_explained(text: str, says: str,
                                           suggestion: str | None) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        parse_holidays(text)
    assert getattr(caught.value, "suggestion", None) == suggestion
    assert isinstance(caught.value, Retry) == (suggestion is not None)


def test_init_keeps_the_zones_holidays_free_by_default(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    code, output = invoke(target, INTERACTIVE)
    assert code == 0, output
    assert "Keep the public holidays of which country free of goal work?" in output
    assert "none books them) [DE]" in output
    text = target.read_text(encoding="utf-8")
    assert "timezone: Europe/Berlin\n# No goal blocks on this country's public holidays " \
           "(`none` books them).\nholidays: DE\n" in text
    assert load_plan(target).holidays == "DE" and check(target)[0] == 0


@pytest.mark.parametrize(("zone", "answer", "line", "value"), [
    ("UTC", "", "# holidays: DE", None),  # no single country: Enter skips
    ("UTC", "gb", "holidays: GB", "GB"),
    ("Europe/Berlin", "none", "holidays: none", ""),
    ("America/Los_Angeles", "us-ca", "holidays: US-CA", "US-CA")])
def test_init_writes_the_holidays_answer(tmp_path: Path, zone: str, answer: str, line: str,
                                         value: str | None) -> None:
    target = tmp_path / "goals.yaml"
    lines = list(INTERACTIVE)
    lines[1:3] = [zone, answer]
    code, output = invoke(target, lines)
    assert code == 0, output
    assert f"\n{line}\n" in target.read_text(encoding="utf-8")
    assert load_plan(target).holidays == value
    assert check(target)[0] == 0


def test_example_writes_the_zones_country_or_a_comment(tmp_path: Path) -> None:
    for zone, line, value in (("Europe/Berlin", "holidays: DE", "DE"),
                              ("UTC", "# holidays: DE", None)):
        target = tmp_path / f"{zone.replace('/', '-')}.yaml"
        result = CliRunner().invoke(cli, ["init", str(target), "--example", "--timezone",
                                          zone])
        assert result.exit_code == 0, result.output
        assert f"\n{line}\n" in target.read_text(encoding="utf-8")
        assert load_plan(target).holidays == value and check(target)[0] == 0


def test_stopping_at_the_holidays_question_asks_it_when_continued(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    assert invoke(target, INTERACTIVE[:2])[0] == 130  # vision and zone, then the input ends
    text = target.read_text(encoding="utf-8")
    assert "stopped before these questions: public holidays, weekly hours," in text
    assert "holidays:" not in text  # not answered: no line yet
    assert check(target)[0] == 0
    code, output = invoke(target, ["", *INTERACTIVE[2:]])  # Enter: continue
    assert code == 0, output
    assert "none books them) [DE]" in output
    assert load_plan(target).holidays == "DE"


def test_an_interview_saved_before_the_holidays_question_existed_continues(
        tmp_path: Path) -> None:
    """Its answers line has no `holidays` field: the plan above it is unchanged, so init
    continues it and asks the new question."""
    target = tmp_path / "goals.yaml"
    assert invoke(target, INTERACTIVE[:1])[0] == 130  # the vision only
    text = target.read_text(encoding="utf-8")
    assert '"holidays": null, ' in text
    target.write_text(text.replace('"holidays": null, ', ""), encoding="utf-8")
    code, output = invoke(target, ["", *INTERACTIVE[1:]])
    assert code == 0, output
    assert "still open: time zone, public holidays," in output
    assert load_plan(target).holidays == "DE"
