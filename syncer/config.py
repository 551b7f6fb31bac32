"""goalsync's configuration file (``goalsync.toml``): found, read and validated.

A spec table (``SPEC``) lists every setting with its type, default and help; it drives
validation (an unknown key gets a did-you-mean, a wrong type a sentence naming the file,
line and key) and the reference in docs/config.md (``render_reference()``).

Where the file is: ``--config FILE``, else ``GOALSYNC_CONFIG``, else
``<user config folder>/goalsync/goalsync.toml``; no file means every default (the embedded
CalDAV server for both tasks and calendar). Secrets never live here: a ``password`` or
``token`` key is refused with a pointer to ``goalsync auth``. ``[rules.<area>]`` tables
override the shipped rules and are handed to ``syncer.policy.load_rules``.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from syncer.errors import ConfigError

CONFIG_NAME = "goalsync.toml"
SECRET_KEYS = ("password", "token", "api_token", "secret", "api_key")


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the spec table."""

    section: str  # "" for top-level keys
    key: str
    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"{self.section}.{self.key}" if self.section else self.key


SPEC: tuple[Setting, ...] = (
    Setting("", "state_dir", str, None,
            "Folder for the state database and the embedded server's data. "
            "GOALSYNC_STATE_DIR overrides it; default: the user data folder."),
    Setting("tasks", "backend", str, "embedded",
            "Where tasks go: Todoist, a CalDAV task list, or the embedded CalDAV server.",
            ("todoist", "caldav", "embedded")),
    Setting("tasks", "steps", str, None,
            "Which steps get a task: \"ahead\", those whose work starts within "
            "`ahead_days` (plus every open milestone, habit and the review; later steps "
            "appear as their time comes), or \"all\" of them. Unset: \"ahead\" for "
            "Todoist (its plans cap tasks per project), \"all\" otherwise.",
            ("ahead", "all")),
    Setting("tasks", "ahead_days", int, 21,
            "With steps = \"ahead\": how many days ahead a step's work may start and "
            "already have its task (at least the calendar window; 1 to 366)."),
    Setting("calendar", "backend", str, "embedded",
            "Where time blocks go: a CalDAV calendar, the embedded server, or nowhere.",
            ("caldav", "embedded", "none")),
    Setting("calendar", "window_days", int, None,
            "Only blocks in the next this-many days are written; each sync moves the "
            "window forward (the whole horizon is still planned). Unset: "
            "`window_days` of rules/sync.toml (14)."),
    Setting("todoist", "api_url", str, "https://api.todoist.com",
            "Base URL of the Todoist API (change only for testing; https://, or http:// "
            "only to this machine: the token never travels in clear)."),
    Setting("todoist", "layout", str, None,
            "How goals map to Todoist: \"sections\" of one project (the default; fits "
            "the free plan's 5 projects), or one project per goal, \"projects\" (needs "
            "a project per goal: Pro). Unset: \"sections\", or \"projects\" where "
            "goalsync already synced that way (the earlier default).",
            ("projects", "sections")),
    Setting("todoist", "root_project", str, "Goals",
            "Name of the parent project that holds goalsync's goals."),
    Setting("caldav", "url", str, "",
            "CalDAV server or principal URL (https://...)."),
    Setting("caldav", "username", str, "", "CalDAV user name."),
    Setting("caldav", "calendar", str, "Goals",
            "Display name (or URL) of the calendar that receives time blocks."),
    Setting("caldav", "task_list", str, None,
            "Display name (or URL) of the task list (VTODO collection). Unset: "
            "\"Goal tasks\", or \"Goals\" where goalsync has already synced to a task "
            "list by that name (the default before the calendar and the task list got "
            "distinct names)."),
    Setting("caldav", "busy_calendars", list, [],
            "Calendars whose events count as busy time (names or URLs)."),
    Setting("caldav", "allow_insecure_http", bool, False,
            "Allow plain http:// to a host other than 127.0.0.1 (passwords travel in "
            "clear text)."),
    Setting("caldav", "timeout", (int, float), 30,
            "Seconds to wait for the CalDAV server (at most 3600); one whole request, "
            "body included, may take twice as long."),
    Setting("sync", "max_delete_share", (int, float), None,
            "Refuse (without --force) to delete more than this share of goalsync's "
            "objects in one run. Unset: `max_delete_share` of rules/sync.toml (0.25)."),
)

MAX_WINDOW_DAYS = 3650  # [calendar] window_days: ten years of blocks
MAX_TIMEOUT = 3600  # seconds: [caldav] timeout; a whole request gets twice as long

SECTIONS = ("tasks", "calendar", "todoist", "caldav", "sync", "rules")


@dataclass(frozen=True, slots=True)
class Config:
    """Validated settings: ``values[section][key]`` for every spec row (defaults filled
    in), ``rules`` for the ``[rules.*]`` overrides, ``path`` of the file (None: none)."""

    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: Path | None = None

    def get(self, section: str, key: str) -> Any:
        """The value of ``[section] key`` (``section=""`` for top-level keys)."""
        try:
            return self.values[section][key]
        except KeyError:
            return _spec(section, key).default

    @property
    def tasks_backend(self) -> str:
        return str(self.get("tasks", "backend"))

    @property
    def calendar_backend(self) -> str:
        return str(self.get("calendar", "backend"))

    @property
    def window_days(self) -> int | None:
        """Set in the config, or None (then rules/sync.toml decides)."""
        value = self.get("calendar", "window_days")
        return None if value is None else int(value)

    @property
    def max_delete_share(self) -> float | None:
        """Set in the config, or None (then rules/sync.toml decides)."""
        value = self.get("sync", "max_delete_share")
        return None if value is None else float(value)

    @property
    def state_dir(self) -> str | None:
        value = self.get("", "state_dir")
        return None if value is None else str(value)

    def section(self, name: str) -> dict[str, Any]:
        """Every setting of one section, defaults included (for adapters' from_settings)."""
        return {s.key: self.get(name, s.key) for s in SPEC if s.section == name}


def defaults() -> Config:
    return from_mapping({})


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to read: ``explicit``, else ``GOALSYNC_CONFIG``, else the user
    config folder's goalsync.toml if it exists. An explicit file that is missing is an
    error; a missing default file means defaults."""
    chosen = explicit or os.environ.get("GOALSYNC_CONFIG")
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"the config file {path} does not exist",
                              hint="create it (see docs/config.md) or drop --config")
        return path
    import platformdirs

    path = Path(platformdirs.user_config_dir("goalsync")) / CONFIG_NAME
    return path if path.is_file() else None


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """Find, read and validate the config (see ``find_config``)."""
    path = find_config(explicit)
    if path is None:
        return defaults()
    from syncer.userfiles import MB, read_text

    text = read_text(path, "the config file", MB, error=ConfigError,
                     hint="see docs/config.md")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}",
                          hint="fix the line shown; see docs/config.md") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: arrays or tables nested too deep",
                          hint="see docs/config.md") from None
    config = from_mapping(data, path=path, text=text)
    _check_rule_overrides(config, text)
    return config


def _check_rule_overrides(config: Config, text: str) -> None:
    """Validate the ``[rules.*]`` overrides now, so a bad one is reported with the config
    file and the line of its table (``check`` included), before anything else runs."""
    if not config.rules:
        return
    from syncer.policy import load_rules

    try:
        load_rules(config.rules)
    except ConfigError as err:
        line = _rule_line(text, err.message, list(config.rules))
        raise ConfigError(f"{config.path}:{line}: {err.message}",
                          hint=err.hint or "see docs/config.md") from None


def _rule_line(text: str, message: str, areas: list[str]) -> int:
    """The line of the config the rule error ``message`` is about: the key it names
    (``rules.scheduling.hours.mornings.tue``, or relative to an area, ``hours.mornings``)
    when it is found, else the area's table, else the first ``[rules`` line, else 1."""
    names = re.findall(r"`([\w.-]+)`", message)
    candidates = [n for n in names if n.startswith("rules.")]
    candidates += [f"rules.{a}.{n}" for n in names if not n.startswith("rules.")
                   for a in areas]
    keys = _key_lines(text)
    for candidate in candidates:
        for path, number in keys:
            if path == candidate or path.startswith(candidate + "."):
                return number
    area = next((a for a in areas if f"`rules.{a}" in message or f"{a} rule" in message
                 or f"`{a}`" in message), None)
    pattern = re.compile(rf"^\s*\[\s*rules\.{re.escape(area)}\b" if area
                         else r"^\s*\[\s*rules\b|^\s*rules\s*=", re.MULTILINE)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _key_lines(text: str) -> list[tuple[str, int]]:
    """Every table header and ``key =`` line of a TOML text as (dotted path, line), in
    order (plain and dotted bare keys; quoted keys lose their quotes)."""
    out: list[tuple[str, int]] = []
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = _dotted(header.group(1))
            out.append((current, number))
            continue
        key = re.match(r"^([\w\-.\"' ]+?)\s*=", stripped)
        if key:
            name = _dotted(key.group(1))
            out.append((f"{current}.{name}" if current else name, number))
    return out


def _dotted(raw: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


def from_mapping(data: Mapping[str, Any], *, path: Path | None = None,
                 text: str = "") -> Config:
    """Validate a parsed TOML document; raise ConfigError naming the first problem."""
    where = _Where(path, text)
    values: dict[str, dict[str, Any]] = {s: {} for s in ("", *SECTIONS)}
    for name, value in data.items():
        if name in SECTIONS and name != "rules":
            _check_section(name, value, values[name], where)
        elif name == "rules":
            _check_rules(value, where)
        else:
            _check_value("", name, value, values[""], where)
    for setting in SPEC:
        values[setting.section].setdefault(setting.key, setting.default)
    rules = {area: dict(table) for area, table in dict(data.get("rules", {})).items()}
    return Config(values=values, rules=rules, path=path)


# ---------------------------------------------------------------------- validation


@dataclass(frozen=True, slots=True)
class _Where:
    path: Path | None
    text: str

    def of(self, section: str, key: str) -> str:
        """``file:line`` of ``key`` inside ``[section]`` when it can be found."""
        name = str(self.path) if self.path else "config"
        line = _find_line(self.text, section, key)
        return f"{name}:{line}" if line else name


def _find_line(text: str, section: str, key: str) -> int | None:
    wanted = f"{section}.{key}" if section else key
    return next((number for path, number in _key_lines(text) if path == wanted), None)


def _spec(section: str, key: str) -> Setting:
    for setting in SPEC:
        if setting.section == section and setting.key == key:
            return setting
    raise KeyError(f"{section}.{key}")


def _check_section(name: str, table: Any, out: dict[str, Any], where: _Where) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where.of('', name)}: [{name}] must be a table")
    for key, value in table.items():
        _check_value(name, key, value, out, where)


def _check_value(section: str, key: str, value: Any, out: dict[str, Any],
                 where: _Where) -> None:
    label = f"{section}.{key}" if section else key
    if key.lower() in SECRET_KEYS:
        raise ConfigError(
            f"{where.of(section, key)}: `{label}` looks like a secret; goalsync never reads "
            "secrets from the config file",
            hint="remove it and run `goalsync auth todoist` or `goalsync auth caldav` "
                 "(the keyring keeps it)")
    known = [s.key for s in SPEC if s.section == section]
    if key not in known:
        where_text = f"[{section}]" if section else "the top level"
        raise ConfigError(f"{where.of(section, key)}: unknown setting `{label}` in "
                          f"{where_text}{_did_you_mean(key, known)}",
                          hint="see docs/config.md for every setting")
    setting = _spec(section, key)
    if not _type_ok(value, setting):
        raise ConfigError(f"{where.of(section, key)}: `{label}` must be "
                          f"{_type_name(setting)}, not {value!r}")
    if setting.choices and value not in setting.choices:
        choices = ", ".join(f'"{c}"' for c in setting.choices)
        raise ConfigError(f"{where.of(section, key)}: `{label}` must be one of {choices}, "
                          f"not {value!r}{_did_you_mean(str(value), list(setting.choices))}")
    _check_range(setting, value, where)
    out[key] = value


def _check_range(setting: Setting, value: Any, where: _Where) -> None:
    label = setting.path
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where.of(setting.section, setting.key)}: `{label}` must be a "
                          f"finite number, not {value!r}")
    if setting.path == "calendar.window_days" and value > MAX_WINDOW_DAYS:
        raise ConfigError(f"{where.of(setting.section, setting.key)}: `{label}` is at most "
                          f"{MAX_WINDOW_DAYS} days")
    if setting.path in ("todoist.api_url", "caldav.url") and value:
        try:
            urlsplit(value).port  # noqa: B018  (raises for a port out of range or not a number)
        except ValueError:
            raise ConfigError(f"{where.of(setting.section, setting.key)}: `{label}` has no "
                              f"valid port (1-65535): {value!r}") from None
    if setting.path == "caldav.timeout" and value > MAX_TIMEOUT:
        raise ConfigError(f"{where.of(setting.section, setting.key)}: `{label}` is at most "
                          f"{MAX_TIMEOUT} seconds, not {value!r}")
    if setting.path == "sync.max_delete_share" and not 0 <= value <= 1:
        raise ConfigError(f"{where.of('sync', setting.key)}: `{label}` is a share between "
                          f"0 and 1 (0.25 means 25 %), not {value!r}")
    if setting.path in ("calendar.window_days", "caldav.timeout") and value <= 0:
        raise ConfigError(f"{where.of(setting.section, setting.key)}: `{label}` must be "
                          f"greater than 0, not {value!r}")
    if setting.path == "caldav.busy_calendars" and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where.of('caldav', setting.key)}: `{label}` must be a list of "
                          "calendar names or URLs")


def _check_rules(value: Any, where: _Where) -> None:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(f"{where.of('', 'rules')}: rule overrides go in tables such as "
                          "[rules.scheduling]")


def _type_ok(value: Any, setting: Setting) -> bool:
    if isinstance(value, bool) and setting.type is not bool:
        return False
    return isinstance(value, setting.type)


def _type_name(setting: Setting) -> str:
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list"}
    types = setting.type if isinstance(setting.type, tuple) else (setting.type,)
    if set(types) == {int, float}:
        return "a number"
    return " or ".join(names.get(t, t.__name__) for t in types)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


# ---------------------------------------------------------------------------- docs


def render_reference() -> str:
    """The Markdown reference of every setting (docs/config.md is this text)."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from syncer/config.py (SPEC) by `python -m syncer.config`;"
        " do not edit by hand. -->",
        "",
        "goalsync reads `goalsync.toml` from `--config FILE`, else `GOALSYNC_CONFIG`, else",
        "the user config folder (`~/.config/goalsync/goalsync.toml` on Linux). Without a",
        "file every default applies: tasks and calendar go to the embedded CalDAV server.",
        "Secrets (passwords, tokens) never go in this file: run `goalsync auth todoist` or",
        "`goalsync auth caldav`, or set `GOALSYNC_TODOIST_TOKEN` / `GOALSYNC_CALDAV_PASSWORD`",
        "for headless runs.",
        "",
    ]
    for section in ("", *SECTIONS[:-1]):
        rows = [s for s in SPEC if s.section == section]
        lines += [f"## `[{section}]`" if section else "## Top level", "",
                  "| key | type | default | meaning |", "|---|---|---|---|"]
        for s in rows:
            meaning = s.help + (f" One of: {', '.join(s.choices)}." if s.choices else "")
            lines.append(f"| `{s.key}` | {_type_name(s)} | `{_toml(s.default)}` | {meaning} |")
        lines.append("")
    lines += [
        "## `[rules.<area>]`", "",
        "Override any key of the shipped rule files (`rules/scheduling.toml`,",
        "`rules/review.toml`, `rules/smart.toml`, `rules/sync.toml`). For example:", "",
        "```toml", "[rules.sync]", "max_delete_share = 0.1", "", "[rules.scheduling]",
        "# keys as in rules/scheduling.toml", "```", "",
        "The sync rules (`rules/sync.toml`) hold the field-ownership table: when both the",
        "plan and the user changed the same field since the last sync, `plan` means the",
        "plan's value is written, `user` means the user's edit stays. Either way the",
        "decision is reported.", "",
    ]
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


if __name__ == "__main__":
    print(render_reference(), end="")
