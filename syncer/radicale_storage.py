# SPDX-License-Identifier: GPL-3.0-or-later
"""Radicale storage plugin for goalsync's embedded server (runs inside Radicale only).

This file is a plugin for Radicale (GPL-3.0-or-later) and is licensed under the GNU
General Public License, version 3 or later, like Radicale itself; the rest of goalsync
is Apache-2.0 and never imports it. Radicale loads it in its own process when the
embedded server's generated config says ``[storage] type = syncer.radicale_storage``
(``syncer/embedded.py``); no external server is ever affected.

It is Radicale's own ``multifilesystem`` storage with two costs of a create made
linear instead of quadratic, nothing else changed (see docs/caldav.md, "The embedded
server"):

* ``has_uid`` (Radicale's check, before a PUT to a new name, that no other object in the
  collection has the UID) loads every object of the collection from its cache on every
  create. Here it keeps, per collection folder, the UID of each file with the file's
  inode, size and mtime (ns), and loads again (through Radicale's own ``_get``) only
  files that are new or changed by those; the check still lists the folder and stats
  every file each time, so a file added, removed or replaced behind Radicale's back is
  seen, exactly as Radicale's item cache (``use_mtime_and_size_for_item_cache``) sees
  it. The answer is the same as Radicale's: the UIDs of the items ``get_all`` yields.
* Radicale writes three files per object and syncs each to disk (file and folder):
  the object itself, and two caches derived from it (the parsed item, and its history
  entry for sync-tokens). The object is still synced before the answer; the two caches
  are not (two of three write-and-sync rounds per write). A cache file a power cut
  leaves missing, stale or empty is what Radicale already handles as a cache miss (an
  empty file is read as one here too; Radicale itself would stop on it): the item is
  parsed again from the object, and a history entry starts over, so sync-token clients
  see that object as changed once. Nothing written to the object is lost.
* ``_clean_history`` (deleting the history entries of objects deleted more than
  ``max_sync_token_age``, 30 days by default, ago) scans the history folder on every
  write; here it runs at most once per ``HISTORY_CLEAN_SECONDS`` per collection. An
  expired entry lives minutes longer; nothing a client sees changes.

If this Radicale's storage does not have the parts used here, the plugin is Radicale's
``multifilesystem`` storage unchanged.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from radicale import pathutils
from radicale.storage import multifilesystem

HISTORY_CLEAN_SECONDS = 600.0

_lock = threading.Lock()
# collection folder -> {file name: ((inode, size, mtime_ns), uid or None)}
_uids: dict[str, dict[str, tuple[tuple[int, int, int], str | None]]] = {}
_history_cleaned: dict[str, float] = {}  # collection folder -> time.monotonic()

_unsynced = threading.local()  # .on: this thread writes a derived cache (no fsync)

_BASE: Any = multifilesystem.Collection
# What the classes below override or call; any of it missing: Radicale's storage as is.
_SUPPORTED = all(hasattr(_BASE, name) for name in (
    "_get", "_clean_history", "has_uid", "_store_item_cache", "_load_item_cache",
    "_update_history_etag")) \
    and all(hasattr(multifilesystem.Storage, name) for name in (
        "_fsync", "_sync_directory", "_get_collection_cache_subfolder")) \
    and hasattr(pathutils, "is_safe_filesystem_path_component")


@contextlib.contextmanager
def _cache_write() -> Iterator[None]:
    _unsynced.on = True
    try:
        yield
    finally:
        _unsynced.on = False


class Collection(_BASE):
    """Radicale's collection with an incremental UID index, caches written without
    fsync and throttled history cleaning (see the module doc); used only when
    ``_SUPPORTED``."""

    def has_uid(self, uid: str) -> bool:
        folder = self._filesystem_path
        limit = getattr(self._storage, "_max_resource_size", None)
        with _lock:
            known = _uids.get(folder, {})
            now: dict[str, tuple[tuple[int, int, int], str | None]] = {}
            with os.scandir(folder) as entries:
                for entry in entries:
                    href = entry.name
                    if not entry.is_file() or (
                            href not in known
                            and not pathutils.is_safe_filesystem_path_component(href)):
                        continue  # what Radicale's _list skips (a known name was safe)
                    try:
                        stat = entry.stat()
                    except FileNotFoundError:
                        continue
                    signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
                    cached = known.get(href)
                    if cached is None or cached[0] != signature:
                        cached = (signature, self._uid_of(href, stat.st_size, limit))
                    now[href] = cached
            _uids[folder] = now
            return any(found == uid for _, found in now.values())

    def _uid_of(self, href: str, size: int, limit: int | None) -> str | None:
        """The UID of the item in ``href`` as ``get_all`` yields it; None for an item
        it leaves out (broken, or larger than ``max_resource_size``)."""
        if limit is not None and size > limit:
            return None
        item = self._get(href, verify_href=False)
        return None if item is None else str(item.uid)

    def _store_item_cache(self, *args: Any, **kwargs: Any) -> Any:
        with _cache_write():
            return super()._store_item_cache(*args, **kwargs)

    def _load_item_cache(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._load_item_cache(*args, **kwargs)
        except Exception:  # noqa: BLE001 - an empty or cut cache file (module doc): a miss
            return None

    def _update_history_etag(self, href: str, item: Any) -> Any:
        with _cache_write():
            try:
                return super()._update_history_etag(href, item)
            except Exception:  # noqa: BLE001 - an empty or cut history entry: start over
                folder = self._storage._get_collection_cache_subfolder(
                    self._filesystem_path, ".Radicale.cache", "history")
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(folder, href))
                return super()._update_history_etag(href, item)

    def _clean_history(self) -> None:
        folder = self._filesystem_path
        with _lock:
            last = _history_cleaned.get(folder)
            if last is not None and time.monotonic() - last < HISTORY_CLEAN_SECONDS:
                return
            _history_cleaned[folder] = time.monotonic()
        super()._clean_history()


class Storage(multifilesystem.Storage):
    """Radicale's ``multifilesystem`` storage with the collection above."""

    _collection_class = Collection if _SUPPORTED else multifilesystem.Collection

    def _fsync(self, f: Any) -> None:
        if not getattr(_unsynced, "on", False):
            super()._fsync(f)

    def _sync_directory(self, path: str) -> None:
        if not getattr(_unsynced, "on", False):
            super()._sync_directory(path)
