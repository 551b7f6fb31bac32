"""Example plans; career.yaml ships inside the package as ``syncer.examples``."""
