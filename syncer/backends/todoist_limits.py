"""The caps of the user's Todoist plan, as goalsync reads, checks and explains them.

Todoist tells a client its plan's caps in the sync resource ``user_plan_limits``
(``current`` and ``next`` plan; fields ``active_projects``, ``tasks_per_project``,
``sections_per_project``, ``labels_per_task``, … — the TypeScript SDK's ``PlanLimits``
type, camel-cased there). goalsync asks for it with every full sync; a server that does
not send it is taken to have the free plan's caps, the strictest documented (help
centre, "Usage limits": 5 active personal projects, 300 active tasks per project, 20
sections per project, 500 labels per account).

``room_for`` runs before a sync writes anything: it counts what the planned commands
would add per cap against what the account holds and names the first cap they would
break. Refusing before the first write beats a half-made layout that every later run
retries and fails again. ``limit_sentence`` turns a ``*_LIMIT_REACHED`` refusal (HTTP
403, per command or per request) into what happened and what the person can do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from syncer.core.model import Plan, Problem, pos_of

JSON = dict[str, Any]

# lengths (help centre "Usage limits"): longer values are refused, so goalsync
# shortens names it makes and the core shortens titles (syncer.core.desired)
MAX_NAME = 120  # project and section names
MAX_LABEL = 60
LABELS_PER_ACCOUNT = 500  # not part of user_plan_limits as the SDK types it


@dataclass(frozen=True)
class Limits:
    """The caps goalsync's writes can meet."""

    plan: str = "free"
    active_projects: int = 5
    tasks_per_project: int = 300
    sections_per_project: int = 20
    told: bool = False  # read from Todoist (else the free plan's, assumed)

    @classmethod
    def read(cls, resource: Any) -> Limits:
        """From a ``user_plan_limits`` resource; the free plan's caps where it says
        nothing usable."""
        current = resource.get("current") if isinstance(resource, Mapping) else None
        if not isinstance(current, Mapping):
            return cls()
        free = cls()

        def cap(name: str) -> int:
            value = current.get(name)
            return value if isinstance(value, int) and value > 0 else getattr(free, name)

        plan = current.get("plan_name")
        return cls(str(plan) if isinstance(plan, str) and plan else "current",
                   cap("active_projects"), cap("tasks_per_project"),
                   cap("sections_per_project"), told=True)

    @property
    def on(self) -> str:
        """"your free plan", or, when Todoist did not say, "the free plan"."""
        return f"your Todoist {self.plan} plan" if self.told else "Todoist's free plan"


_WHAT = {
    "MAX_PROJECTS_LIMIT_REACHED": (
        "a new project", "{on} allows {limits.active_projects} active projects",
        "archive or delete a project you no longer use, keep [todoist] layout = "
        "\"sections\" (one project for the whole plan), or set [todoist] root_project to "
        "a project you already have"),
    "MAX_SECTIONS_LIMIT_REACHED": (
        "a new section", "a project holds at most {limits.sections_per_project} sections "
        "on {on}",
        "remove sections you no longer use from that project, or, with more goals than "
        "that, use [todoist] layout = \"projects\" on a plan with room for the projects"),
    "MAX_ITEMS_LIMIT_REACHED": (
        "a task", "a project holds at most {limits.tasks_per_project} open tasks on {on}",
        "complete or move some tasks out of that project, or lower [tasks] ahead_days so "
        "Todoist holds fewer steps at a time"),
    "MAX_LABELS_LIMIT_REACHED": (
        "a new label", f"an account holds at most {LABELS_PER_ACCOUNT} labels",
        "delete labels you no longer use"),
}


def limit_sentence(tag: str, limits: Limits | None) -> str:
    """What a ``*_LIMIT_REACHED`` refusal means and what to do, in one sentence."""
    limits = limits or Limits()
    what = _WHAT.get(tag)
    if what is None:
        return (f"Todoist refused it because a limit of the account's plan was reached "
                f"({tag}); see Todoist's usage limits")
    thing, cap, todo = what
    return (f"Todoist refused {thing}: {cap.format(on=limits.on, limits=limits)} and that "
            f"is reached; {todo}")


@dataclass(frozen=True)
class Planned:
    """One planned sync command, as far as the caps are concerned."""

    type: str
    args: Mapping[str, Any]
    temp_id: str | None = None


def room_for(objects: Mapping[str, Mapping[str, JSON]], commands: Iterable[Planned],
             limits: Limits) -> str | None:
    """Why ``commands`` cannot all run on this account, or None. ``objects`` is the
    account as read (projects, sections, items by id)."""
    commands = list(commands)
    projects = objects.get("projects", {})
    active = [p for p in projects.values() if counts_as_active(p)]
    new = [c for c in commands if c.type == "project_add"]
    if new and len(active) + len(new) > limits.active_projects:
        listed = ", ".join(f"“{c.args.get('name')}”" for c in new[:3])
        more = f" and {len(new) - 3} more" if len(new) > 3 else ""
        free = max(0, limits.active_projects - len(active))
        return (f"this sync needs {_n(len(new), 'new Todoist project')} ({listed}{more}), "
                f"but {limits.on} allows {limits.active_projects} active projects and "
                f"{len(active)} are in use ({free} free); archive or delete a project you "
                "no longer use, use [todoist] layout = \"sections\" (one project for the "
                "whole plan), or set [todoist] root_project to a project you already have")
    names = {pid: str(p.get("name")) for pid, p in projects.items()}
    names.update({c.temp_id: str(c.args.get("name")) for c in new if c.temp_id})
    sections: Counter[str] = Counter(
        str(s.get("project_id")) for s in objects.get("sections", {}).values()
        if not s.get("is_archived"))
    adds = Counter(str(c.args.get("project_id")) for c in commands if c.type == "section_add")
    for project, added in adds.items():
        if sections[project] + added > limits.sections_per_project:
            return (f"this sync needs {_n(added, 'new section')} in the Todoist project "
                    f"“{names.get(project, project)}”, which has {sections[project]}, but "
                    f"a project holds at most {limits.sections_per_project} sections on "
                    f"{limits.on}; a plan with more goals than that needs [todoist] "
                    "layout = \"projects\" (one project per goal) on a plan with room for "
                    "them, or fewer goals")
    return _tasks_room(objects, commands, limits, names)


def _tasks_room(objects: Mapping[str, Mapping[str, JSON]], commands: list[Planned],
                limits: Limits, names: Mapping[str, str]) -> str | None:
    items = objects.get("items", {})
    sections = objects.get("sections", {})
    section_project = {c.temp_id: str(c.args.get("project_id"))
                       for c in commands if c.type == "section_add" and c.temp_id}
    item_project = {c.temp_id: str(c.args.get("project_id"))
                    for c in commands if c.type == "item_add" and c.temp_id}
    open_now: Counter[str] = Counter(str(i.get("project_id")) for i in items.values()
                                     if not i.get("checked"))
    change: Counter[str] = Counter()
    for command in commands:
        args = command.args
        if command.type == "item_add":
            change[str(args.get("project_id"))] += 1
        elif command.type in ("item_delete", "item_move"):
            item = items.get(str(args.get("id")))
            if item is None or item.get("checked"):
                continue
            change[str(item.get("project_id"))] -= 1
            if command.type == "item_move":
                change[_destination(args, items, sections, section_project,
                                    item_project)] += 1
    for project, delta in change.items():
        if delta > 0 and open_now[project] + delta > limits.tasks_per_project:
            return (f"this sync would put {open_now[project] + delta} open tasks in the "
                    f"Todoist project “{names.get(project, project)}” ({open_now[project]} "
                    f"there now), but a project holds at most {limits.tasks_per_project} "
                    f"open tasks on {limits.on}; lower [tasks] ahead_days (fewer steps in "
                    "Todoist at a time), complete or move some of the project's tasks, or "
                    "use [todoist] layout = \"projects\" on a plan with room for them")
    return None


def _destination(args: Mapping[str, Any], items: Mapping[str, JSON],
                 sections: Mapping[str, JSON], section_project: Mapping[str, str],
                 item_project: Mapping[str, str]) -> str:
    if args.get("project_id"):
        return str(args["project_id"])
    if args.get("section_id"):
        section = str(args["section_id"])
        known = sections.get(section)
        return str(known.get("project_id")) if known else section_project.get(section, "")
    parent = str(args.get("parent_id") or "")
    known = items.get(parent)
    return str(known.get("project_id")) if known else item_project.get(parent, "")


def counts_as_active(project: Mapping[str, Any]) -> bool:
    """Whether a project counts against the active-projects cap: the user's own, not
    archived, not the Inbox (whether Todoist counts the Inbox is not documented;
    goalsync's default layout needs one project either way), not a team workspace's."""
    return not (project.get("inbox_project") or project.get("is_archived")
                or project.get("workspace_id") or project.get("is_deleted"))


def shorten(text: str, longest: int) -> str:
    """``text`` cut to ``longest`` characters with an ellipsis (whole if it fits)."""
    return text if len(text) <= longest else text[:longest - 1].rstrip() + "…"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def plan_warnings(plan: Plan, layout: str) -> list[Problem]:
    """What ``goalsync check`` says about a plan bound for Todoist, from the plan alone:
    more goals than the layout can hold on the free plan (20 sections per project; 5
    projects), and titles Todoist will only take shortened. The sync itself checks the
    real account before writing (``room_for``)."""
    found: list[Problem] = []
    free = Limits()
    if layout == "sections" and len(plan.goals) > free.sections_per_project:
        goal = plan.goals[free.sections_per_project]
        found.append(Problem(
            goal.pos, "todoist-sections",
            f"Todoist holds at most {free.sections_per_project} sections per project and "
            f"each goal is a section of one project ([todoist] layout = \"sections\"): "
            f"goals from here on ({len(plan.goals)} in all) do not fit; merge goals, or use "
            "layout = \"projects\" on a Pro account", severity="warning"))
    if layout == "projects" and len(plan.goals) + 1 > free.active_projects:
        found.append(Problem(
            plan.goals[0].pos, "todoist-projects",
            f"[todoist] layout = \"projects\" needs {len(plan.goals) + 1} Todoist projects "
            f"(the root and one per goal); the free plan allows {free.active_projects}: "
            "fine on Pro, else use layout = \"sections\"", severity="warning"))
    for goal in plan.goals:
        if len(goal.title) > MAX_NAME:
            found.append(Problem(
                pos_of(goal, "title"), "todoist-name",
                f"the goal title has {len(goal.title)} characters; Todoist takes "
                f"{MAX_NAME} for a section or project name, so it is shortened there",
                severity="warning"))
    for step in plan.steps():
        if len(step.title) > 500:
            found.append(Problem(
                pos_of(step, "title"), "todoist-title",
                f"the step title has {len(step.title)} characters; task names take 500, so "
                "it is shortened in the task and kept whole in its description",
                severity="warning"))
    return found
