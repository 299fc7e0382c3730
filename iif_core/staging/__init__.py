"""Staging: every shape of uploaded file turned into the project's own tables (see iif_core.ingest)."""
