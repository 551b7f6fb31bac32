"""Backend names in the config → adapter constructors; opening one run's backends.

``[tasks] backend`` names an entry of ``TASK_BACKENDS``, ``[calendar] backend`` one of
``CALENDAR_BACKENDS``. An entry holds the constructor, given an ``Opening`` (the config,
the plan, the embedded server's URL and the moment the run plans for), and ``target``:
what in the config says where the backend's objects live. The targets make up the
binding (``binding()``): links are only valid for one target, and moving to another
needs ``--rebind``.

Adding a task backend (say Google Tasks) takes one adapter module (a subclass of
``base.TaskBackend``), one subclass of ``TaskBackendContract`` in ``tests/contract`` that
runs the shared contract suite against it, and one entry here: its constructor and its
line in ``TASK_BACKENDS``. A calendar backend likewise (``base.CalendarBackend``,
``CalendarBackendContract``, ``CALENDAR_BACKENDS``). The config must accept the new name:
it is one of the ``backend`` choices in ``syncer/config.py``'s SPEC (with the backend's
own settings, if it has any); a unit test checks that both lists agree.

Constructors import their adapter module inside the function, so importing this module
(the engine does) loads no HTTP, CalDAV or iCalendar library.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from syncer.backends.base import CalendarBackend, TaskBackend
from syncer.errors import ConfigError

if TYPE_CHECKING:
    from syncer.config import Config
    from syncer.core.model import Plan

B = TypeVar("B")


@dataclass
class Backends:
    """The adapters of one run and the identity of their targets (for ``--rebind``)."""

    tasks: TaskBackend
    calendar: CalendarBackend | None
    binding: str = ""
    storage: Path | None = None
    """The embedded server's storage folder when it serves this run (``syncer/quick.py``
    marks it)."""


@dataclass(frozen=True)
class Opening:
    """What a constructor is given."""

    config: Config
    plan: Plan
    server_url: str | None = None
    """The embedded server's URL; None when it was not started: not configured, or a dry
    run before it holds any data (the embedded side is known to be empty then)."""
    now: datetime | None = None
    """The moment the run plans for (adapters that read history by time read up to it)."""


def _no_target(config: Config) -> str | None:
    return None


@dataclass(frozen=True)
class Entry(Generic[B]):
    """One backend name: how to build its adapter, and where its objects live."""

    build: Callable[[Opening], B]
    target: Callable[[Config], str | None] = _no_target
    """The target's part of the binding (None: the name alone says it)."""


# ------------------------------------------------------------------------ tasks


def _todoist(opening: Opening) -> TaskBackend:
    from syncer.backends import todoist
    from syncer.credentials import get_secret

    token = get_secret("todoist", "GOALSYNC_TODOIST_TOKEN", "goalsync auth todoist")
    return todoist.from_settings({**opening.config.section("todoist"),
                                  "plan_id": opening.plan.id, "as_of": opening.now}, token)


def _todoist_target(config: Config) -> str:
    todo = config.section("todoist")
    return f"{todo['api_url']}:{todo['layout']}:{todo['root_project']}"


def _caldav_tasks(opening: Opening) -> TaskBackend:
    from syncer.backends import caldav_tasks

    return caldav_tasks.from_settings(*_caldav_settings(opening.config, None))


def _caldav_task_target(config: Config) -> str:
    return f"{config.get('caldav', 'url')}:{config.get('caldav', 'task_list')}"


def _embedded_task_target(config: Config) -> str | None:
    """The embedded server's binding named no task list while every setup used
    "Goals"; it names the new default, so that a state bound to the old one is told
    apart (``task_list_name``) and no existing binding changes."""
    name = config.get("caldav", "task_list")
    return str(name) if name == DEFAULT_TASK_LIST else None


def _embedded_tasks(opening: Opening) -> TaskBackend:
    if opening.server_url is None:  # known to be empty: an empty in-memory stand-in
        from syncer.backends.memory import MemoryTaskBackend

        return MemoryTaskBackend()
    from syncer.backends import caldav_tasks

    return caldav_tasks.from_settings(*_caldav_settings(opening.config, opening.server_url))


TASK_BACKENDS: dict[str, Entry[TaskBackend]] = {
    "todoist": Entry(_todoist, _todoist_target),
    "caldav": Entry(_caldav_tasks, _caldav_task_target),
    "embedded": Entry(_embedded_tasks, _embedded_task_target),
}


# ------------------------------------------------------------------------ calendar


def _caldav_calendar(opening: Opening) -> CalendarBackend | None:
    from syncer.backends import caldav_calendar

    return caldav_calendar.from_settings(*_caldav_settings(opening.config, None))


def _caldav_calendar_target(config: Config) -> str:
    return f"{config.get('caldav', 'url')}:{config.get('caldav', 'calendar')}"


def _embedded_calendar(opening: Opening) -> CalendarBackend | None:
    if opening.server_url is None:  # known to be empty: an empty in-memory stand-in
        from syncer.backends.memory import MemoryCalendarBackend

        return MemoryCalendarBackend()
    from syncer.backends import caldav_calendar

    return caldav_calendar.from_settings(
        *_caldav_settings(opening.config, opening.server_url))


def _no_calendar(opening: Opening) -> CalendarBackend | None:
    return None


CALENDAR_BACKENDS: dict[str, Entry[CalendarBackend | None]] = {
    "caldav": Entry(_caldav_calendar, _caldav_calendar_target),
    "embedded": Entry(_embedded_calendar),
    "none": Entry(_no_calendar),
}


def _caldav_settings(config: Config, server_url: str | None) -> tuple[dict[str, Any], str]:
    """The ``[caldav]`` settings and password, or those of the embedded server at
    ``server_url``."""
    from syncer.credentials import get_secret

    settings = config.section("caldav")
    if server_url is not None:
        from syncer.embedded import DEFAULT_USER

        return {**settings, "url": server_url, "username": DEFAULT_USER,
                "busy_calendars": []}, "embedded"
    return settings, get_secret("caldav", "GOALSYNC_CALDAV_PASSWORD", "goalsync auth caldav")


# ------------------------------------------------------------------------ a run


@contextlib.contextmanager
def open_backends(config: Config, plan: Plan, state_dir: Path, *,
                  dry_run: bool = False, now: datetime | None = None,
                  saved_binding: str | None = None) -> Iterator[Backends]:
    """Build the configured adapters (starting the embedded server when one of them is
    "embedded"); on exit, also when the run failed, close both adapters, then stop the
    server. Raises CredentialError, ConfigError.

    A dry run whose embedded server has no data yet does not start it (that would
    create its storage): the embedded side is known to be empty, so an empty in-memory
    backend stands in for it. ``now`` is the moment the run plans for (adapters that read
    history by time, like Todoist's completed tasks, read up to it). ``saved_binding``
    is the binding the state remembers: it settles an unset task list name
    (``task_list_name``).
    """
    config = resolved(config, saved_binding)
    with contextlib.ExitStack() as stack:
        server_url: str | None = None
        served: Path | None = None
        storage = state_dir / "radicale"
        uses_embedded = "embedded" in (config.tasks_backend, config.calendar_backend)
        if uses_embedded and not (dry_run and not storage.exists()):
            from syncer import activity
            from syncer.embedded import EmbeddedServer

            activity.phase("Starting the embedded CalDAV server")
            server = stack.enter_context(EmbeddedServer(storage))
            server_url, served = server.url, storage
        opening = Opening(config, plan, server_url, now)
        tasks = _entry("tasks", config.tasks_backend, TASK_BACKENDS).build(opening)
        stack.callback(tasks.close)
        calendar = _entry("calendar", config.calendar_backend, CALENDAR_BACKENDS).build(
            opening)
        if calendar is not None:
            stack.callback(calendar.close)
        yield Backends(tasks, calendar, binding(config), served)


DEFAULT_TASK_LIST = "Goal tasks"  # = caldav_tasks.DEFAULT_TASK_LIST (not imported: lazy)
LEGACY_TASK_LIST = "Goals"
DEFAULT_LAYOUT = "sections"  # = todoist.TodoistTasks' default (not imported: lazy)
LEGACY_LAYOUT = "projects"


def task_list_name(config: Config, saved_binding: str | None = None) -> str:
    """The task list a run uses: ``[caldav] task_list`` when set; else "Goals", the old
    default, when the state is bound to it (``saved_binding``, the binding the state
    remembers, is what that default gave), so an existing setup keeps its list and its
    binding; else "Goal tasks"."""
    return _kept_default(config, saved_binding, "caldav", "task_list", LEGACY_TASK_LIST,
                         DEFAULT_TASK_LIST)


def todoist_layout(config: Config, saved_binding: str | None = None) -> str:
    """The Todoist layout a run uses: ``[todoist] layout`` when set; else "projects",
    the old default, when the state is bound to it (an existing setup keeps its
    projects and its binding); else "sections", which fits the free plan."""
    return _kept_default(config, saved_binding, "todoist", "layout", LEGACY_LAYOUT,
                         DEFAULT_LAYOUT)


def _kept_default(config: Config, saved_binding: str | None, section: str, key: str,
                  legacy: str, default: str) -> str:
    """``[section] key`` when set; else ``legacy`` (a default since changed) when the
    state's binding is what that old default gave, so an existing setup keeps its
    target and its binding; else today's ``default``."""
    explicit = config.get(section, key)
    if explicit:
        return str(explicit)
    old = _tasks_part(binding(_with(config, section, key, legacy)))
    if saved_binding is not None and _tasks_part(saved_binding) == old:
        return legacy
    return default


def with_task_list(config: Config, name: str) -> Config:
    return _with(config, "caldav", "task_list", name)


def _with(config: Config, section: str, key: str, value: str) -> Config:
    values = {name: dict(settings) for name, settings in config.values.items()}
    values.setdefault(section, {})[key] = value
    return replace(config, values=values)


def resolved(config: Config, saved_binding: str | None = None) -> Config:
    """The config with ``[caldav] task_list`` and ``[todoist] layout`` filled in
    (``task_list_name``, ``todoist_layout``)."""
    config = _with(config, "todoist", "layout", todoist_layout(config, saved_binding))
    return with_task_list(config, task_list_name(config, saved_binding))


def _tasks_part(binding_text: str) -> str:
    return binding_text.rpartition(" calendar=")[0] or binding_text


def binding(config: Config, saved_binding: str | None = None) -> str:
    """Where goalsync's objects live; links are only valid for this target.
    ``saved_binding`` (the state's) settles an unset task list (``task_list_name``)."""
    if not config.get("caldav", "task_list") or not config.get("todoist", "layout"):
        config = resolved(config, saved_binding)
    tasks = _described(config.tasks_backend, TASK_BACKENDS, config)
    calendar = _described(config.calendar_backend, CALENDAR_BACKENDS, config)
    return f"tasks={tasks} calendar={calendar}"


def _described(name: str, entries: Mapping[str, Entry[Any]], config: Config) -> str:
    target = entries[name].target(config) if name in entries else None
    return name if target is None else f"{name}:{target}"


def _entry(kind: str, name: str, entries: Mapping[str, Entry[B]]) -> Entry[B]:
    try:
        return entries[name]
    except KeyError:
        choices = ", ".join(f'"{n}"' for n in entries)
        raise ConfigError(f"[{kind}] backend must be one of {choices}, not {name!r}",
                          hint=f"fix [{kind}] backend in the config") from None
