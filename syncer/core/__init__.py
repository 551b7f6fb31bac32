"""The pure core: values in, values out. No clock, network, disk, keyring or environment.

Nothing here imports syncer.backends, syncer.engine, syncer.state, syncer.cli, httpx,
caldav, keyring, sqlite3 or click (tests/unit/test_core_is_pure.py enforces it).
"""
