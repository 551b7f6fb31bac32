"""goalsync: keep a career plan alive in the to-do app and calendar you already use."""

from __future__ import annotations

__version__ = "0.1.0"
