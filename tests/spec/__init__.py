"""Spec tests: the rules of iif-rules.md as small tables, run on the reference and the core."""
