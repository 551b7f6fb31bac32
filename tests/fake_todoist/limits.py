"""What a Todoist plan allows, as the fake enforces it (the free plan by default).

Sources (see ../../../shared/TODOIST_FACTS.md for the table):
* caps: Todoist help centre, "Usage limits" (article 205064592): the free ("Beginner")
  plan has 5 active personal projects (Pro: 300), 300 active tasks per project, 20
  sections per project, 500 labels per account, 100 labels per task;
* lengths (same article): task name 500 characters, description 16,383, project and
  section name 120, label name 60;
* the sync resource ``user_plan_limits`` (``current`` and ``next`` plan): field names
  from the TypeScript SDK's ``PlanLimits`` type (``activeProjects``, ``tasksPerProject``,
  ``sectionsPerProject``, ``labelsPerTask``, …), which converts the wire's snake_case;
* refusals: per command, HTTP 403 with a ``*_LIMIT_REACHED`` tag. Seen in users' logs:
  ``{"error": "Maximum number of items per user project limit reached", "error_code":
  49, "error_tag": "MAX_ITEMS_LIMIT_REACHED", "http_code": 403}`` (tod-org/tod #863).
  The project and section tags are named the same way (tod-org/tod #799, Doist/
  todoist-mcp #531); their numeric codes are not published, so the fake's are
  placeholders and goalsync must read the tag, never the number.
"""

from __future__ import annotations

from typing import Any

MAX_CONTENT = 500
MAX_DESCRIPTION = 16_383
MAX_PROJECT_NAME = 120
MAX_SECTION_NAME = 120
MAX_LABEL_NAME = 60
MAX_LABELS_PER_ACCOUNT = 500  # not in user_plan_limits as the SDK types it

TIERS: dict[str, dict[str, Any]] = {
    "free": {
        "plan_name": "free", "active_projects": 5, "tasks_per_project": 300,
        "sections_per_project": 20, "labels_per_task": 100, "collaborators_per_project": 5,
        "comments_per_task": 0, "filters_per_user": 3, "reminders_per_user": 0,
        "activity_log": 7, "file_uploads_per_comment": 0,
    },
    "pro": {
        "plan_name": "pro", "active_projects": 300, "tasks_per_project": 300,
        "sections_per_project": 20, "labels_per_task": 100, "collaborators_per_project": 25,
        "comments_per_task": 500, "filters_per_user": 150, "reminders_per_user": 700,
        "activity_log": -1, "file_uploads_per_comment": 1,
    },
}

# (tag, error text, code): 49 is the one seen on the wire; the others are placeholders
LIMIT_ERRORS = {
    "projects": ("MAX_PROJECTS_LIMIT_REACHED", "Maximum number of projects limit reached", 48),
    "items": ("MAX_ITEMS_LIMIT_REACHED",
              "Maximum number of items per user project limit reached", 49),
    "sections": ("MAX_SECTIONS_LIMIT_REACHED",
                 "Maximum number of sections per project limit reached", 50),
    "labels": ("MAX_LABELS_LIMIT_REACHED", "Maximum number of labels limit reached", 51),
}


def plan_limits(tier: str) -> dict[str, Any]:
    """The ``user_plan_limits`` resource for an account on ``tier``."""
    return {"current": dict(TIERS[tier]), "next": dict(TIERS["pro"]) if tier == "free"
            else None}
