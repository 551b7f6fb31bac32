"""Secrets: the system keyring first, then an environment variable for headless runs.

Secrets never live in the config file or the state database, and never reach logs or
error messages.
"""

from __future__ import annotations

import os

from syncer.errors import CredentialError, GoalsyncError

KEYRING_SERVICE = "goalsync"


def get_secret(name: str, env_var: str, how_to_set: str) -> str:
    """Return the secret ``name`` (e.g. ``"todoist"``) or raise a CredentialError
    whose sentence says how to provide it (``how_to_set``: the auth command)."""
    value = os.environ.get(env_var)
    if value:
        return value
    value = _from_keyring(name)
    if value:
        return value
    raise CredentialError(
        f"no {name} credential is set",
        hint=f"run `{how_to_set}`, or set {env_var} for headless runs",
    )


ENV_VARS = {"todoist": "GOALSYNC_TODOIST_TOKEN", "caldav": "GOALSYNC_CALDAV_PASSWORD"}


class NoKeyring(GoalsyncError):
    """The system keyring cannot keep a secret: there is none, it is locked or broken,
    or it accepts a secret and drops it (a null backend). One condition of the machine,
    not of the credential, so one exit code: 1, as any environment problem (README,
    "Exit codes"); the sentence names the environment variable to use instead."""

    exit_code = 1


def set_secret(name: str, value: str) -> None:
    """Store the secret ``name`` in the system keyring and read it back. Raises
    NoKeyring (exit 1) naming the environment variable to use instead when the machine
    has no usable keyring, and when the keyring accepts the secret but does not keep it
    (a null backend, a locked store that drops writes): nobody is told it is stored
    when it is not."""
    env_var = ENV_VARS.get(name, "the environment variable")
    hint = (f"set {env_var} in the environment of goalsync instead, or install and unlock "
            "a keyring (e.g. GNOME Keyring, KWallet, or the keyrings.alt package)")
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, name, value)
    except Exception as err:  # NoKeyringError, a locked or broken backend
        raise NoKeyring(
            f"this machine has no usable system keyring to keep the {name} credential in "
            f"({type(err).__name__})", hint=hint) from None
    try:
        kept = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # noqa: BLE001 - a store that cannot read back does not keep it
        kept = None
    if kept != value:
        backend = keyring.get_keyring()
        label = getattr(backend, "name", None) or type(backend).__name__
        raise NoKeyring(
            f"the system keyring ({label}) accepted the {name} credential but does not "
            "keep it: reading it back gave " + ("nothing" if not kept else "another value"),
            hint=hint)


def _from_keyring(name: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, name)
        except KeyringError:
            return None
    except Exception:  # no usable keyring backend on a headless machine
        return None
