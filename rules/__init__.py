"""goalsync's shipped policy, as data (TOML); importable as ``syncer.rules``."""
