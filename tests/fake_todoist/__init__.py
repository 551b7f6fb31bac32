"""A stateful fake of the Todoist API v1 served over loopback HTTP, for tests.

``FakeTodoist`` is the server (a context manager); ``Fault`` describes an injected
failure; ``TodoistState`` is the account behind it.
"""

from tests.fake_todoist.server import FakeTodoist, Fault, RecordedRequest
from tests.fake_todoist.state import ApiError, TodoistState

__all__ = ["ApiError", "FakeTodoist", "Fault", "RecordedRequest", "TodoistState"]
