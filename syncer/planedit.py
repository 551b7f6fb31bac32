"""Write accepted adjustments back into the plan file, keeping comments and layout.

ruamel.yaml's round-trip mode keeps comments, key order, flow/block style and quoting of
everything that is not edited. Nodes are found by id (explicit ``id``, else the slug of
the title), with the parsed plan's line numbers breaking ties. The file is replaced
atomically (temporary file + rename) with its mode kept, so a crash never leaves half a
plan.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from syncer.core.adjust import DROP_STEP, MOVE_DEADLINE, SHORTEN_STEP, WEEKLY_HOURS, Adjustment
from syncer.core.adjust import format_estimate as _estimate
from syncer.core.model import Goal, Plan, Pos, slugify
from syncer.core.parse import parse_plan
from syncer.errors import PlanError, UsageError


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the user's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def apply_adjustments(path: str | Path, plan: Plan, adjustments: Sequence[Adjustment]) -> str:
    """Apply ``adjustments`` to the plan file at ``path`` (parsed as ``plan``) and
    return the new text. A symlinked plan is edited where it really lives (the link
    stays a link). Raises UsageError, and writes nothing, when an adjustment names
    something the file does not hold or would leave a plan that no longer loads."""
    target, text, new = edited(path, plan, adjustments)
    if new != text:
        _replace(target, new)
    return new


def edited(path: str | Path, plan: Plan, adjustments: Sequence[Adjustment],
           ) -> tuple[Path, str, str]:
    """``(the real file, its text, the text with the adjustments)``, the new text
    checked to load as a plan. Writes nothing; raises UsageError."""
    target = Path(path).resolve()
    text = target.read_text(encoding="utf-8")
    new = edit_text(text, plan, adjustments)
    try:
        parse_plan(new, str(path))
    except PlanError as broken:
        first = broken.problems[0] if broken.problems else broken
        raise UsageError(f"the accepted changes would leave {path} invalid ({first}); it "
                         "was left as it was",
                         hint="accept fewer changes, or edit the plan by hand") from None
    return target, text, new


def edit_text(text: str, plan: Plan, adjustments: Sequence[Adjustment]) -> str:
    """The plan text with ``adjustments`` applied (pure apart from YAML parsing)."""
    yaml = _yaml()
    _detect_indent(yaml, text)
    root = yaml.load(text)
    if not isinstance(root, CommentedMap):
        raise PlanError([], hint="the plan file is not a YAML mapping")
    for adjustment in adjustments:
        _apply(root, plan, adjustment)
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue()


def _detect_indent(yaml: YAML, text: str) -> None:
    """Keep the file's own sequence indentation (``- `` under the key or indented)."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        stripped = line.rstrip()
        if stripped.endswith(":") and not stripped.lstrip().startswith("#"):
            nxt = lines[i + 1]
            if nxt.lstrip().startswith("- "):
                key_indent = len(line) - len(line.lstrip())
                dash = len(nxt) - len(nxt.lstrip()) - key_indent
                yaml.indent(mapping=2, sequence=dash + 2, offset=dash)
                return


def _apply(root: CommentedMap, plan: Plan, adjustment: Adjustment) -> None:
    if adjustment.kind == WEEKLY_HOURS:
        assert isinstance(adjustment.value, int | float)
        value = adjustment.value
        model_goal = plan.goal(adjustment.goal)
        if model_goal.weekly_hours is None:
            root["weekly_hours"] = _hours(value)
            return
        node = _find(root.get("goals"), model_goal.id, model_goal.pos, "goal")
        node["weekly_hours"] = _hours(value)
        if plan.weekly_hours is not None:  # the goal's budget is a share of the plan's
            root["weekly_hours"] = _hours(plan.weekly_hours + value - model_goal.weekly_hours)
        return
    goal = _find(root.get("goals"), plan.goal(adjustment.goal).id, plan.goal(adjustment.goal).pos,
                 "goal")
    if adjustment.kind == MOVE_DEADLINE:
        assert isinstance(adjustment.value, date)
        model_goal = plan.goal(adjustment.goal)
        if adjustment.milestone is None:
            if model_goal.deadline not in (None, adjustment.value):
                goal["deadline"] = _own(adjustment.value)
        else:
            model = next(m for m in model_goal.milestones if m.id == adjustment.milestone)
            _find(goal.get("milestones"), model.id, model.pos, "milestone")["due"] = \
                adjustment.value
        for key, day in adjustment.moves:  # the due dates that bind move with it
            _due_node(goal, model_goal, key)["due"] = _own(day)
        return
    if adjustment.step is None:
        raise UsageError(f"adjustment {adjustment.id} names no step")
    step = plan.step(adjustment.step)
    milestone = next(m for m in plan.goal(adjustment.goal).milestones
                     if m.id == step.milestone_id)
    m_node = _find(goal.get("milestones"), milestone.id, milestone.pos, "milestone")
    steps = m_node.get("steps")
    node = _find(steps, step.id, step.pos, "step")
    if adjustment.kind == SHORTEN_STEP:
        assert isinstance(adjustment.value, int)
        node["estimate"] = _estimate(adjustment.value)
    elif adjustment.kind == DROP_STEP:
        _drop(root, plan, steps, node, adjustment.step)
    else:
        raise UsageError(f"unknown adjustment kind {adjustment.kind!r}")


def _own(day: date) -> date:
    """An equal date object of its own: ruamel writes one object used twice as a YAML
    anchor and alias (``&id001``), which no person wants in their plan."""
    return date.fromordinal(day.toordinal())


def _due_node(goal: CommentedMap, model: Goal, key: str) -> CommentedMap:
    """The node of the milestone or step ``key`` of goal ``model``."""
    for milestone in model.milestones:
        steps = [s for s in milestone.steps if s.key == key]
        if milestone.key != key and not steps:
            continue
        m_node = _find(goal.get("milestones"), milestone.id, milestone.pos, "milestone")
        if not steps:
            return m_node
        return _find(m_node.get("steps"), steps[0].id, steps[0].pos, "step")
    raise UsageError(f"cannot find {key!r} in the plan file",
                     hint="was the plan edited since it was read? Run the review again.")


def _hours(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _find(items: Any, wanted: str, pos: Pos, what: str) -> CommentedMap:
    if not isinstance(items, CommentedSeq):
        raise UsageError(f"cannot find the {what} {wanted!r} in the plan file",
                         hint="was the plan edited since it was read? Run the review again.")
    matches = [item for item in items if isinstance(item, CommentedMap)
               and _node_id(item) == wanted]
    if not matches:
        raise UsageError(f"cannot find the {what} {wanted!r} in the plan file",
                         hint="was the plan edited since it was read? Run the review again.")
    return min(matches, key=lambda item: abs(item.lc.line + 1 - pos.line))


def _node_id(node: CommentedMap) -> str:
    explicit = node.get("id")
    if explicit is not None:
        return str(explicit)
    return slugify(str(node.get("title", "")))


def _drop(root: CommentedMap, plan: Plan, steps: CommentedSeq, node: CommentedMap,
          key: str) -> None:
    dropped = plan.step(key)
    inherited = _after_list(node)
    for other in plan.steps():
        if key not in other.after:
            continue
        other_node = _locate_step(root, plan, other.key)
        refs = _after_list(other_node)
        aliases = {dropped.id, dropped.key, f"{dropped.milestone_id}/{dropped.id}"}
        kept = [r for r in refs if str(r) not in aliases]
        kept += [r for r in inherited if r not in kept]
        _set_after(other_node, kept)
    index = next(i for i, item in enumerate(steps) if item is node)
    _remove_item(steps, index)


def _locate_step(root: CommentedMap, plan: Plan, key: str) -> CommentedMap:
    step = plan.step(key)
    goal = plan.goal(step.goal_id)
    milestone = next(m for m in goal.milestones if m.id == step.milestone_id)
    g_node = _find(root.get("goals"), goal.id, goal.pos, "goal")
    m_node = _find(g_node.get("milestones"), milestone.id, milestone.pos, "milestone")
    return _find(m_node.get("steps"), step.id, step.pos, "step")


def _after_list(node: CommentedMap) -> list[Any]:
    after = node.get("after")
    if after is None:
        return []
    if isinstance(after, str):
        return [after]
    return list(after)


def _set_after(node: CommentedMap, refs: list[Any]) -> None:
    current = node.get("after")
    if not refs:
        del node["after"]
    elif isinstance(current, CommentedSeq):
        current[:] = refs
    else:
        node["after"] = refs


def _remove_item(seq: CommentedSeq, index: int) -> None:
    """Delete one item with the comment lines that belong to it.

    ruamel keeps full-line comments that precede an item inside the end-of-line comment
    of the item before; those lines described the dropped item, so they go. Lines that
    followed the dropped item describe the next one, so they stay.
    """
    entries = seq.ca.items
    dropped = entries.pop(index, None)
    previous = entries.get(index - 1) if index > 0 else None
    if previous and previous[0] is not None:
        first, _, _ = previous[0].value.partition("\n")
        previous[0].value = first + "\n"
    if dropped and dropped[0] is not None and index > 0:
        _, _, rest = dropped[0].value.partition("\n")
        if previous and previous[0] is not None:
            previous[0].value += rest
        elif rest:
            entries[index - 1] = [dropped[0], None, None, None]
    del seq[index]
    shifted = {(i - 1 if i > index else i): v for i, v in entries.items()}
    entries.clear()
    entries.update(shifted)


def _replace(target: Path, text: str) -> None:
    mode = target.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
