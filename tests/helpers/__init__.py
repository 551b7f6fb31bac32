"""Helpers several test modules share (plans, configs)."""
