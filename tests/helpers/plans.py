"""Plan files several test modules write: one text each, so the numbers the tests
work out by hand rest on the same plan everywhere."""

from __future__ import annotations

_PMP_HEAD = """\
timezone: UTC
goals:
  - id: pmp
    title: Become a certified project manager
    specific: Obtain the PMP certification from the PMI this year
    measurable: {metric: exam score, target: 80, unit: "%"}
    achievable: A course plus study sessions
    relevant: Lets me lead programmes
    deadline: 2027-06-30
    priority: important
    milestones:
      - id: course
        title: Complete a PMP course
        due: 2027-03-31
        steps:
"""
PMP_STEP_LINES = (
    "          - {id: research, title: Research PMP courses, estimate: 2h}\n",
    "          - {id: enroll, title: Enroll in the course, estimate: 30m, after: [research]}\n",
    "          - {id: study, title: Study chapters 1-4, estimate: 6h, after: [enroll]}\n",
)


def pmp_plan(steps: int = 3, *, priority: bool = True) -> str:
    """The PMP goal with one milestone holding the first ``steps`` steps (research →
    enroll → study); without ``priority: important`` when ``priority`` is False."""
    head = _PMP_HEAD if priority else _PMP_HEAD.replace("    priority: important\n", "")
    return head + "".join(PMP_STEP_LINES[:steps])


# Weights: a 120, b 60, c 60, d 240 → 480 minutes in all; d is done in the plan.
GOAL_G_PLAN = """\
timezone: UTC
goals:
  - id: g
    title: Goal G
    deadline: 2026-12-31
    milestones:
      - id: m1
        title: M1
        due: 2026-12-15
        celebrate: Cake
        steps:
          - {id: a, title: A, estimate: 2h}
          - {id: b, title: B, estimate: 1h, after: [a]}
          - {id: c, title: C}    # no estimate: weighs the default 60 minutes
      - id: m2
        title: M2
        steps:
          - {id: d, title: D, estimate: 4h, done: true}
"""
