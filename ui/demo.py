"""The demo: on first start with an empty store, load the sample data as ordinary batches."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import streamlit as st

from iif_core.store import Store
from ui import reads

DEMO_WHO = "demo"  # the uploader recorded for demo batches; the banner looks for it
SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
# In this order: the invented ICB first (every extract's practices are in it), then the years,
# oldest first, then the patient lists, so that the history reads as a year of real use would.
DEMO_FILES = (
    "orgs.csv",
    "extract_2021-22.csv",
    "extract_2025-26.csv",
    "extract_2026-27.csv",
    "patients_2026-10-31.csv",
)
SWITCH = "IIF_DEMO"  # set to 0 to start with an empty store (tests, a fresh installation)
_LOCK = threading.Lock()


def wanted() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def load_demo(store: Store) -> list[str]:
    """Store the sample files as batches by 'demo'; return what each upload said. Files that
    are missing are skipped, so a partial checkout still starts."""
    messages = []
    for name in DEMO_FILES:
        path = SAMPLE_DATA / name
        if path.is_file():
            result = store.ingest(path, display_name=f"{name} (demo)", who=DEMO_WHO)
            messages.append(result.message)
    return messages


@st.cache_resource(show_spinner="Loading the demo data (first start only)…")
def _ensure(path: str) -> list[str]:
    """Once per process and store file: load the demo if the store has never held anything."""
    with _LOCK:
        current = reads.store_at(path)
        if not current.batches().empty:
            return []
        return load_demo(current)


def ensure_demo(path: str) -> list[str]:
    """The first start with an empty store loads the demo; later starts change nothing (even
    after every batch has been undone, the history is not empty)."""
    return _ensure(path) if wanted() else []


def demo_in_use(batch_table) -> bool:
    """Whether any batch loaded as the demo still provides figures."""
    if batch_table.empty:
        return False
    demo = batch_table[(batch_table["who"] == DEMO_WHO) & ~batch_table["undone"]]
    return bool((demo["status"] != "replaced").any())


def remove_demo(store: Store, batch_table) -> list[str]:
    """Undo every demo batch still in use; return what each undo said."""
    demo = batch_table[(batch_table["who"] == DEMO_WHO) & ~batch_table["undone"]]
    return [store.undo(int(b), who="app") for b in demo["batch_id"]]
