"""CLI: ``goalsync plan PLAN`` (dry run) and ``goalsync sync PLAN``.

``plan`` prints the actions a sync would take, grouped by kind, and writes nothing
anywhere (state included); ``--json`` prints them for scripts. ``sync`` does it and
prints a summary; ``--json`` prints exactly ``{"created", "updated", "deleted",
"pinned", "completed", "unscheduled", "errors", "notes"}``. Exit codes: 0 done, 1 some objects
failed (the summary names them; a rerun finishes the job), 2 plan/config error (nothing
sent), 3 credentials, 4 a guard stopped the run (``--force`` / ``--rebind``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
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
from syncer.errors import PartialFailure
from syncer.wording import count

if TYPE_CHECKING:  # imported where used: `goalsync sync --help` loads none of them
    from syncer.core import reconcile as rc
    from syncer.engine import SyncReport


def force_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--force", is_flag=True,
                        help="Go ahead even when a safety guard (mass deletion, emptied "
                             "plan) would stop the sync.")(func)


def rebind_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--rebind", is_flag=True,
                        help="The config points at a new project or calendar: forget the "
                             "old links and start there (the old target is left as is).")(func)


def _plan_argument(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("plan_path", metavar="PLAN",
                          type=click.Path(dir_okay=False, path_type=str))(func)


def _sync_parameters(func: Callable[..., Any]) -> Callable[..., Any]:
    """PLAN and the options ``plan`` and ``sync`` both take, in this order."""
    for decorate in (colour_option, quiet_option, rebind_option, force_option, json_option,
                     now_option, config_option, _plan_argument):
        func = decorate(func)
    return func


@click.command("plan")
@_sync_parameters
def plan_command(plan_path: str, config_path: str | None, now: datetime | None,
                 as_json: bool, force: bool, rebind: bool, quiet: bool) -> None:
    """Show what `goalsync sync PLAN` would do, without changing anything."""
    from syncer.clock import plan_now
    from syncer.config import load_config
    from syncer.engine import sync
    from syncer.term import live_progress

    config = load_config(config_path)
    moment = plan_now(now, plan_path) if now is not None else datetime.now(UTC)
    with live_progress(enabled=not (quiet or as_json)):
        report = sync(plan_path, config, now=moment, dry_run=True,
                      force=force, rebind=rebind)
    if as_json:
        emit_json(plan_json(report))
    else:
        click.echo(render_plan(report))
    if report.errors:  # an unread server must not look like "nothing to do"
        raise PartialFailure(
            f"the plan is incomplete: {count(len(report.errors), 'part')} could not be read:\n"
            + "\n".join(f"  {e}" for e in report.errors),
            hint="check that the server is reachable, then run `goalsync plan` again")


@click.command("sync")
@_sync_parameters
def sync_command(plan_path: str, config_path: str | None, now: datetime | None,
                 as_json: bool, force: bool, rebind: bool, quiet: bool) -> None:
    """Put the plan's steps into your task app and book time blocks on your calendar.

    Exit status: 0 done; 1 some objects failed (run again to finish), a server could
    not be read, or another run is going on; 2 plan or config error (nothing sent);
    3 credentials missing or rejected; 4 stopped before writing anything: a safety
    guard (see --force and --rebind), or writes the account's limits cannot hold.
    """
    from syncer.clock import plan_now
    from syncer.config import load_config
    from syncer.term import live_progress

    config = load_config(config_path)
    moment = plan_now(now, plan_path) if now is not None else datetime.now(UTC)
    early = None
    if not (force or rebind):  # a no-change run's checks, asked before the engine loads
        from syncer.quick import start_checks

        early = start_checks(config, plan_path)
    from syncer.engine import sync

    with live_progress(enabled=not (quiet or as_json)):
        report = sync(plan_path, config, now=moment, force=force, rebind=rebind,
                      early=early)
    if as_json:
        emit_json(sync_json(report), indent=None)
    else:
        click.echo(render_summary(report))
    if report.errors:
        what = ("no server could be read, so nothing was synced" if _nothing_read(report)
                else f"{count(len(report.errors), 'object')} could not be synced")
        raise PartialFailure(f"{what}:\n" + "\n".join(f"  {e}" for e in report.errors),
                             hint=_rerun_hint(report))


def _rerun_hint(report: SyncReport) -> str:
    """A rerun finishes what failed on the way; it cannot change a server's refusal;
    a server that could not be read at all has to be reachable first."""
    if _nothing_read(report):
        return ("check that the server is reachable (and the config's URL), then run "
                "`goalsync sync` again")
    if report.refused >= len(report.errors):
        return ("the server refused these; running again will not change that (the "
                "reasons are above)")
    if report.refused:
        return (f"run `goalsync sync` again to finish the rest; {report.refused} were "
                "refused by the server and need the change named above")
    return "run `goalsync sync` again; it finishes what is left"


# ------------------------------------------------------------------------ render


def render_summary(report: SyncReport) -> str:
    """``goalsync sync``'s human summary."""
    counts = (f"{report.created} created, {report.updated} updated, "
              f"{report.deleted} deleted, {report.pinned} pinned, "
              f"{report.completed} completed")
    lines = [f"Synced {report.plan.path}: {counts}."]
    yours = _user_change_lines(report.actions)
    if not any((report.created, report.updated, report.deleted, report.pinned,
                report.completed)):
        done = ("nothing was changed" if report.errors or yours
                else "everything was already up to date")
        lines = [f"Synced {report.plan.path}: {done}."]
    if report.unread:
        sides = " and the ".join(report.unread)
        lines = [f"Could not sync {report.plan.path}: the {sides} could not be read, so "
                 "nothing was compared or changed there."] + lines[1:] \
            if _nothing_read(report) else lines + [
                f"The {sides} could not be read; nothing was concluded from it."]
    lines += yours
    lines += _unscheduled_lines(report)
    lines += [f"note: {n}" for n in report.notes]
    if report.errors and not _nothing_read(report):
        lines.append(f"{count(len(report.errors), 'object')} failed; see below.")
    return "\n".join(lines)


def _nothing_read(report: SyncReport) -> bool:
    """Whether no server could be read (so nothing was compared or written)."""
    wrote = report.created or report.updated or report.deleted or report.pinned
    return report.nothing_read and not wrote


def render_plan(report: SyncReport) -> str:
    """``goalsync plan``: the actions grouped by kind, one line each, times in the
    plan's timezone."""
    with _in_zone(report.plan.timezone):
        return _render_plan(report)


def _render_plan(report: SyncReport) -> str:
    head = f"Plan for {report.plan.path}"
    if report.window:
        head += f" as of {_when(report.window[0])}; blocks written up to " \
                f"{_when(report.window[1])}"
    lines = [head + ":"]
    groups = _groups(report.actions, report)
    for title, items in groups:
        if items:
            lines += ["", f"{title} ({len(items)}):", *(f"  {i}" for i in items)]
    if not any(items for _, items in groups) and not report.errors:
        lines += ["", "Nothing to do: everything is up to date."]
    lines += [f"note: {n}" for n in report.notes]
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines)


def _groups(actions: Sequence[rc.Action], report: SyncReport,
            ) -> list[tuple[str, list[str]]]:
    by: dict[str, list[Any]] = defaultdict(list)
    for action in actions:
        by[action.name].append(action)
    return [
        ("Tasks to create", [f"+ {_task_line(a)}" for a in by["create-task"]]),
        ("Tasks to update", [f"~ {_task_line(a)}" for a in by["update-task"]]),
        ("Tasks to delete", [f"- {a.key} ({a.reason})" for a in by["delete-task"]]),
        ("Blocks to book", [f"+ {_span(a.spec.start, a.spec.end)}  {a.spec.title}"
                            for a in sorted(by["create-block"], key=lambda a: a.spec.start)]),
        ("Blocks to change", [f"~ {_span(a.spec.start, a.spec.end)}  {a.spec.title} "
                              f"({', '.join(sorted(a.fields))})" for a in by["update-block"]]),
        ("Blocks to delete", [f"- {_when(a.start)}  {a.key} ({a.reason})"
                              for a in by["delete-block"]]),
        ("Blocks kept where you moved them", [f"= {_span(a.start, a.end)}  {a.title}"
                                              for a in by["pin"]]),
        ("Completed since the last sync", [f"✓ {a.key} ({_when(a.completed_at)})"
                                           for a in by["completed"]]),
        ("Your edits kept", [f"= {a.kind} {a.key}: {', '.join(a.fields)}"
                             for a in by["user-edit"]]),
        ("Changed on both sides", _conflict_lines(actions, prefix="! ")),
        ("Deleted by you, not recreated", [f"× {a.key}" for a in by["deleted-by-user"]]),
        ("Unscheduled", [f"? {u.step}: {u.reason}" for u in report.unscheduled]),
    ]


def _task_line(push: rc.PushTask) -> str:
    from syncer.core.values import CreateTask, UpdateTask

    match push.change:
        case CreateTask(spec=spec):
            due = f", due {_when(spec.due)}" if spec.due else ""
            return f"{spec.key}  \"{spec.title}\"{due}"
        case UpdateTask(spec=spec, fields=fields):
            return f"{spec.key}: {', '.join(sorted(fields))}"
    return push.key


def _conflict_lines(actions: Sequence[rc.Action], prefix: str = "") -> list[str]:
    from syncer.core import reconcile as rc

    return [f"{prefix}{a.kind} {a.key}: {a.field} changed in the plan and by you; "
            f"{'the plan' if a.winner == 'plan' else 'your'} value "
            f"{'was written' if a.winner == 'plan' else 'was kept'}"
            for a in actions if isinstance(a, rc.Conflict)]


def _user_change_lines(actions: Sequence[rc.Action]) -> list[str]:
    """One line per group of changes made in the user's apps: edits kept, tasks the
    user deleted (not recreated) and fields changed on both sides."""
    from syncer.core import reconcile as rc

    edits = [a for a in actions if isinstance(a, rc.UserEdit)]
    deleted = [a.key for a in actions if isinstance(a, rc.UserDeleted)]
    conflicts = [a for a in actions if isinstance(a, rc.Conflict)]
    lines = []
    if edits:
        lines.append(f"{count(len(edits), 'change')} you made in your apps "
                     f"{'was' if len(edits) == 1 else 'were'} kept: "
                     + ", ".join(f"{a.key} ({', '.join(a.fields)})" for a in edits))
    if deleted:
        lines.append(f"{count(len(deleted), 'task')} you deleted in your app "
                     f"{'was' if len(deleted) == 1 else 'were'} not recreated: "
                     + ", ".join(deleted))
    if conflicts:
        lines.append(f"{count(len(conflicts), 'field')} changed both in the plan and "
                     "by you:")
        lines += [f"  {line}" for line in _conflict_lines(conflicts)]
    return lines


def _unscheduled_lines(report: SyncReport) -> list[str]:
    if not report.unscheduled:
        return []
    return [f"{count(len(report.unscheduled), 'step')} could not be scheduled:",
            *(f"  {u.step}: {u.reason}" for u in report.unscheduled)]


_ZONE: list[tzinfo] = []  # the plan's zone while rendering (set by _in_zone)


@contextmanager
def _in_zone(name: str) -> Iterator[None]:
    from zoneinfo import ZoneInfo

    _ZONE.append(ZoneInfo(name))
    try:
        yield
    finally:
        _ZONE.pop()


def _local(value: datetime) -> datetime:
    return value.astimezone(_ZONE[-1]) if _ZONE else value


def _when(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return _local(value).strftime("%a %Y-%m-%d %H:%M %Z").strip()
    return value.isoformat()


def _span(start: datetime, end: datetime) -> str:
    start, end = _local(start), _local(end)
    return f"{start.strftime('%a %Y-%m-%d %H:%M')}–{end.strftime('%H:%M %Z')}".strip()


# -------------------------------------------------------------------------- json


def sync_json(report: SyncReport) -> dict[str, Any]:
    """``goalsync sync --json``: the summary counts, then the notes the human summary
    shows as ``note:`` lines (busy-time warnings, held tasks, a repaired state file…)."""
    return {**report.summary(), "notes": list(report.notes)}


def plan_json(report: SyncReport) -> dict[str, Any]:
    """``goalsync plan --json``: the summary counts plus one object per action; times
    carry the plan zone's UTC offset, as in every goalsync JSON document."""
    with _in_zone(report.plan.timezone):
        return {**report.summary(), "dry_run": True,
                "actions": [action_json(a) for a in report.actions],
                "notes": list(report.notes)}


def action_json(action: rc.Action) -> dict[str, Any]:
    """One action as plain JSON values (``kind`` names it)."""
    from syncer.core import reconcile as rc
    from syncer.core.values import DeleteTask, UpdateTask

    data: dict[str, Any] = {"kind": action.name}
    match action:
        case rc.PushTask(change=change):
            data |= {"key": action.key, "reason": action.reason}
            if isinstance(change, UpdateTask):
                data["fields"] = sorted(change.fields)
            if not isinstance(change, DeleteTask):
                data |= {"title": change.spec.title, "due": _iso(change.spec.due)}
        case rc.CreateBlock(spec=spec) | rc.UpdateBlock(spec=spec):
            data |= {"key": spec.key, "uid": spec.uid, "title": spec.title,
                     "start": _iso(spec.start), "end": _iso(spec.end),
                     "reason": action.reason}
        case rc.DeleteBlock():
            data |= {"key": action.key, "uid": action.uid, "start": _iso(action.start),
                     "reason": action.reason}
        case _:
            data |= {f: _iso(getattr(action, f)) for f in action.__slots__ if f != "values"}
    return data


def _iso(value: Any) -> Any:
    """JSON value of ``value``: date-times in the plan's zone (``_in_zone``)."""
    if isinstance(value, datetime):
        return _local(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_iso(v) for v in value]
    return value


COMMANDS: list[click.Command] = [plan_command, sync_command]
