"""CLI: ``goalsync review PLAN``: the weekly ritual in one command.

Sync, show the status, walk through the triggered prompts (terminal prompts, or an
``--answers`` file), record answers and measurable values in the review journal,
celebrate finished milestones, offer adjustments for goals in trouble, write the accepted
ones into the plan file (comments kept) and sync again.

``--non-interactive`` asks nothing: the prompts become the description of the "Weekly
review" task in the user's to-do app; only what an ``--answers`` file says is recorded
or applied. The answers file format is in docs/review.md.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from syncer.commands.options import (
    colour_option,
    config_option,
    emit_json,
    json_option,
    now_option,
    quiet_option,
)
from syncer.commands.status_cmd import offline_option, print_status
from syncer.errors import PartialFailure, UsageError
from syncer.wording import count

if TYPE_CHECKING:  # imported where used: `goalsync review --help` loads none of them
    from syncer.config import Config
    from syncer.core.adjust import Adjustment
    from syncer.core.review import Prompt
    from syncer.report import StatusSnapshot
    from syncer.state import State

WEEKLY_HOURS = "weekly-hours"  # = syncer.core.adjust.WEEKLY_HOURS (tests keep them equal)
MILESTONE_DONE, MONTHLY, QUARTERLY = "milestone-done", "monthly", "quarterly"  # core.review

REVIEW_MARKER = "review"  # journal trigger of the entry every review run leaves


@dataclass(frozen=True)
class Answers:
    """A parsed ``--answers`` file (see docs/review.md)."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    accept: frozenset[str] = frozenset()

    def for_prompt(self, prompt: Prompt) -> list[str | None]:
        """One answer (or None) per question of ``prompt``; the most specific key wins:
        ``trigger/goal/milestone``, ``trigger/goal``, ``trigger``."""
        value = None
        for key in _prompt_keys(prompt):
            if key in self.answers:
                value = self.answers[key]
                break
        questions = prompt.questions or (prompt.text,)
        if value is None:
            return [None] * len(questions)
        if isinstance(value, str | int | float):  # answers the first question
            return [str(value)] + [None] * (len(questions) - 1)
        if isinstance(value, list):
            return [None if v is None else str(v) for v in value] + \
                [None] * (len(questions) - len(value))
        return [_lookup(value, q, i) for i, q in enumerate(questions)]


def _lookup(mapping: Mapping[Any, Any], question: str, index: int) -> str | None:
    for key in (question, index + 1, str(index + 1)):  # YAML keys are read as text
        if key in mapping and mapping[key] is not None:
            return str(mapping[key])
    return None


def _prompt_keys(prompt: Prompt) -> list[str]:
    keys = [prompt.trigger]
    if prompt.goal:
        keys.insert(0, f"{prompt.trigger}/{prompt.goal}")
        if prompt.milestone:
            keys.insert(0, f"{prompt.trigger}/{prompt.goal}/{prompt.milestone}")
    return keys


def load_answers(path: str) -> Answers:
    """Read and check an answers file; UsageError names the file and the problem."""
    from syncer.userfiles import MB, plain_yaml, read_text

    data = plain_yaml(read_text(path, "the answers file", MB,
                                hint="see docs/review.md for the format"), path) or {}
    if not isinstance(data, dict):
        raise UsageError(f"the answers file {path} must be a YAML mapping",
                         hint="see docs/review.md for the format")
    unknown = set(data) - {"answers", "metrics", "accept"}
    if unknown:
        raise UsageError(f"the answers file {path} has unknown keys: "
                         f"{', '.join(sorted(map(str, unknown)))}",
                         hint="use answers, metrics and accept (docs/review.md)")
    answers, metrics, accept = data.get("answers") or {}, data.get("metrics") or {}, \
        data.get("accept") or []
    if not isinstance(answers, dict) or not isinstance(metrics, dict) or \
            not isinstance(accept, list):
        raise UsageError(f"the answers file {path}: `answers` and `metrics` must be "
                         "mappings and `accept` a list of adjustment ids",
                         hint="see docs/review.md for the format")
    try:
        values = {str(k): float(v) for k, v in metrics.items()}
    except (TypeError, ValueError, OverflowError):
        values = {"": math.nan}
    if not all(math.isfinite(v) and abs(v) <= 1e12 for v in values.values()):
        raise UsageError(f"the answers file {path}: every metric value must be a number "
                         "(finite, at most 1e12)", hint="write e.g. `metrics: {pmp: 72}`")
    return Answers({str(k): v for k, v in answers.items()}, values,
                   frozenset(str(a) for a in accept))


@dataclass
class _Journal:
    """What the review will record, held until the person has answered everything, so
    Ctrl-C (or an error) halfway leaves the state as it was."""

    answers: list[tuple[datetime, str, str | None, str | None, str, str]] = \
        field(default_factory=list)
    metrics: list[tuple[str, float, datetime]] = field(default_factory=list)

    def record_review_answer(self, at: datetime, trigger: str, goal: str | None,
                             milestone: str | None, question: str, answer: str) -> None:
        self.answers.append((at, trigger, goal, milestone, question, answer))

    def record_metric(self, goal_id: str, value: float, at: datetime) -> None:
        self.metrics.append((goal_id, value, at))

    def write(self, state: State) -> None:
        """Everything in one transaction: all of it is recorded, or none."""
        with state.transaction():
            for answer in self.answers:
                state.record_review_answer(*answer)
            for metric in self.metrics:
                state.record_metric(*metric)


@dataclass
class ReviewOutcome:
    """What a review did (for the summary and tests)."""

    answered: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    applied: list[Adjustment] = field(default_factory=list)
    celebrated: list[str] = field(default_factory=list)


def review_text(snapshot: StatusSnapshot) -> str:
    """The prompts as plain text: the description of the "Weekly review" task."""
    lines = [f"goalsync review for {snapshot.progress.today.isoformat()}"]
    for prompt in snapshot.prompts:
        lines += ["", prompt.text]
        lines += [f"- {q}" for q in prompt.questions]
    for adjustment in snapshot.adjustments:
        lines.append(f"\nPossible adjustment ({adjustment.id}): {adjustment.summary}")
    return "\n".join(lines)


def run_review(plan_path: str, config: Config, now: datetime | None, *,
               answers: Answers | None, interactive: bool, offline: bool,
               progress: bool = True) -> ReviewOutcome:
    """The review ritual (see the module docstring). Returns what was recorded."""
    from syncer.planedit import apply_adjustments, edited
    from syncer.planfile import load_plan
    from syncer.report import gather_status
    from syncer.term import counted

    report = None if offline else _sync(plan_path, config, now, echo=True,
                                        progress=progress)
    if report is not None:
        click.echo("")
    snapshot = gather_status(plan_path, config, now, offline=True, report=report)
    print_status(snapshot)
    outcome = ReviewOutcome()
    pending = _Journal()
    if interactive and snapshot.prompts:
        click.echo("\nType an answer and press Enter; press Enter alone to skip a "
                   "question. Ctrl-C stops and records none of your answers.")
    with _no_terminal_is_a_usage_error(interactive):
        for prompt in snapshot.prompts:
            _walk(pending, snapshot, prompt, answers, interactive, outcome)
        _ask_metrics(pending, snapshot, answers, interactive, outcome)
        accepted = _choose(snapshot.adjustments, answers, interactive)
    pending.record_review_answer(snapshot.now, REVIEW_MARKER, None, None,
                                 "review completed",
                                 f"{counted(len(snapshot.prompts), 'prompt')}, "
                                 f"{counted(outcome.answered, 'answer')}")
    if accepted:  # a change that would break the plan stops here, before anything is kept
        edited(plan_path, snapshot.plan, accepted)
    # Non-interactive: the prompts wait in the "Weekly review" task; after an
    # interactive review the task goes back to the standing questions.
    notes = "" if interactive or not snapshot.prompts else review_text(snapshot)
    from syncer.engine import save_review

    save_review(config, pending.write, notes)
    if accepted:
        apply_adjustments(plan_path, snapshot.plan, accepted)
        load_plan(plan_path)  # the edited plan must still be valid
        outcome.applied.extend(accepted)
        click.echo(f"Updated {plan_path}:\n" + "\n".join(f"  - {a.summary}" for a in accepted))
    if not offline:
        _sync(plan_path, config, now, echo=bool(accepted), progress=progress)
    return outcome


@contextmanager
def _no_terminal_is_a_usage_error(interactive: bool) -> Iterator[None]:
    """An interactive review whose input ends (run from cron or a pipe without
    --non-interactive) is a usage error that says what to do, not an "Interrupted"."""
    try:
        yield
    except click.Abort:
        if not interactive or sys.stdin.isatty():
            raise  # Ctrl-C at a terminal
        raise UsageError("the review ran out of input: it asks its questions in a "
                         "terminal, and standard input is not one (nothing was recorded)",
                         hint="run it in a terminal, or add --non-interactive (for cron "
                              "and timers) or --answers FILE") from None


def _sync(plan_path: str, config: Config, now: datetime | None, *, echo: bool,
          progress: bool = True) -> Any:
    """Sync; with ``echo``, say what changed (completions picked up, your edits and
    deletions) before the status, so the person knows the numbers are fresh."""
    from syncer.clock import plan_now
    from syncer.commands.sync_cmd import render_summary
    from syncer.engine import sync  # pulls in the backends: load it only here
    from syncer.term import live_progress

    moment = plan_now(now, plan_path)
    if echo:
        click.echo(f"Syncing {plan_path} with your task list and calendar...")
    with live_progress(enabled=progress):
        report = sync(plan_path, config, now=moment)
    if echo:
        click.echo(render_summary(report))
    else:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
    if report.errors:
        raise PartialFailure(f"the sync left {count(len(report.errors), 'problem')}: "
                             + "; ".join(report.errors),
                             hint="run `goalsync review` again; finished parts are kept")
    return report


def _walk(state: _Journal, snapshot: StatusSnapshot, prompt: Prompt, answers: Answers | None,
          interactive: bool, outcome: ReviewOutcome) -> None:
    click.echo("")
    click.secho(prompt.text, bold=True)
    given = answers.for_prompt(prompt) if answers else []
    questions = prompt.questions or (prompt.text,)
    for index, question in enumerate(questions):
        answer = given[index] if index < len(given) else None
        if answer is None and interactive:
            answer = click.prompt(f"  {question}", default="", show_default=False,
                                  prompt_suffix="\n  > ")
        elif answer is not None:
            click.echo(f"  {question}\n    {answer}")
        else:
            click.echo(f"  - {question}")
        if answer:
            state.record_review_answer(snapshot.now, prompt.trigger, prompt.goal,
                                       prompt.milestone, question, answer)
            outcome.answered += 1
    if prompt.trigger == MILESTONE_DONE:
        # Recorded even without an answer, so the milestone is celebrated only once.
        state.record_review_answer(snapshot.now, prompt.trigger, prompt.goal,
                                   prompt.milestone, prompt.text, "celebrated")
        outcome.celebrated.append(f"{prompt.goal}/{prompt.milestone}")
    elif prompt.trigger in (MONTHLY, QUARTERLY):
        # Recorded even without answers, so a check-in is raised once per month/quarter.
        state.record_review_answer(snapshot.now, prompt.trigger, None, None, prompt.text,
                                   "raised")


def _ask_metrics(state: _Journal, snapshot: StatusSnapshot, answers: Answers | None,
                 interactive: bool, outcome: ReviewOutcome) -> None:
    heading = False
    for goal in snapshot.progress.goals:
        if goal.metric is None:
            continue
        value = answers.metrics.get(goal.id) if answers else None
        if value is None and interactive:
            if not heading:
                click.echo("")
                click.secho("Measurements: where does each target stand now?", bold=True)
                heading = True
            last = "" if goal.current is None else f"last {goal.current:g}, "
            value = _prompt_number(f"  {goal.title}: {goal.metric} now "
                                   f"({last}target {goal.target:g}{_unit(goal.unit)}; "
                                   "Enter to skip)", goal.unit)
        if value is not None:
            state.record_metric(goal.id, value, snapshot.now)
            outcome.metrics[goal.id] = value
    unknown = set(answers.metrics) - {g.id for g in snapshot.progress.goals} if answers \
        else set()
    for goal_id in sorted(unknown):
        click.echo(f"warning: the answers file names a metric for {goal_id!r}, which is not "
                   "a goal of this plan; ignored", err=True)


def _unit(unit: str) -> str:
    """``80%`` but ``4 quarters``."""
    return unit if not unit or unit == "%" else f" {unit}"


def _prompt_number(text: str, unit: str = "") -> float | None:
    """A number typed at the terminal; the target's unit may follow it (``72%``)."""
    while True:
        raw = click.prompt(text, default="", show_default=False).strip()
        if not raw:
            return None
        if unit and raw.endswith(unit):
            raw = raw[:-len(unit)].strip()
        try:
            return float(raw)
        except ValueError:
            click.echo("  Please type a number, or press Enter to skip.")


def _choose(proposals: Sequence[Adjustment], answers: Answers | None,
            interactive: bool) -> list[Adjustment]:
    if not proposals:
        return []
    click.echo("\nPossible adjustments:")
    for p in proposals:
        click.echo(f"  {p.id}: {p.summary}")
    chosen = [p for p in proposals if answers and p.id in answers.accept]
    if answers:
        known = {p.id for p in proposals}
        for missing in sorted(answers.accept - known):
            click.echo(f"warning: the adjustment {missing!r} is not proposed now; skipped",
                       err=True)
    elif interactive:
        click.echo("Answer y to write a change into the plan file; Enter keeps the plan.")
        chosen = [p for p in proposals if click.confirm(f"  {p.summary} Apply it?",
                                                        default=False)]
    return _compatible(chosen)


def _compatible(chosen: list[Adjustment]) -> list[Adjustment]:
    """One edit per target: the first accepted wins for a goal's deadline or a step (a
    step both dropped and shortened is dropped); of several weekly-hours values, the
    largest (it covers the others)."""
    kept: dict[tuple[str | None, ...], Adjustment] = {}
    for adjustment in chosen:
        if adjustment.kind == WEEKLY_HOURS:
            old = kept.get((WEEKLY_HOURS,))
            if old is None or _hours(adjustment) > _hours(old):
                kept[(WEEKLY_HOURS,)] = adjustment
            continue
        target = (adjustment.step,) if adjustment.step else \
            (adjustment.kind, adjustment.goal, adjustment.milestone)
        kept.setdefault(target, adjustment)
    return list(kept.values())


def _hours(adjustment: Adjustment) -> float:
    return float(adjustment.value) if isinstance(adjustment.value, int | float) else 0.0


@click.command("review")
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False, path_type=str))
@config_option
@now_option
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False, path_type=str),
              default=None, help="Take answers, metric values and accepted adjustments "
                                 "from this YAML file instead of asking (docs/review.md).")
@click.option("--non-interactive", is_flag=True,
              help="Ask nothing: the prompts go into the \"Weekly review\" task.")
@offline_option
@json_option
@quiet_option
@colour_option
def review(plan_path: str, config_path: str | None, now: datetime | None,
           answers_path: str | None, non_interactive: bool, offline: bool, as_json: bool,
           quiet: bool) -> None:
    """The weekly review of PLAN: sync, status, questions, adjustments, sync again.

    With --json it asks nothing (as --non-interactive, or from --answers), writes its
    text to stderr and prints what it recorded as JSON (docs/json.md).
    """
    import contextlib

    from syncer.config import load_config

    config = load_config(config_path)
    answers = load_answers(answers_path) if answers_path else None
    interactive = not (non_interactive or as_json) and answers is None
    text_to = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    with text_to:
        outcome = run_review(plan_path, config, now, answers=answers,
                             interactive=interactive, offline=offline,
                             progress=not (quiet or as_json))
    if as_json:
        emit_json({"answered": outcome.answered, "metrics": outcome.metrics,
                   "applied": [a.id for a in outcome.applied],
                   "celebrated": outcome.celebrated})
        return
    parts = [count(outcome.answered, "answer"), count(len(outcome.metrics), "measurement"),
             count(len(outcome.applied), "adjustment") + " applied"]
    if outcome.celebrated:
        parts.append(count(len(outcome.celebrated), "milestone") + " celebrated")
    click.echo(f"\nReview recorded: {', '.join(parts)}.")


COMMANDS: list[click.Command] = [review]
