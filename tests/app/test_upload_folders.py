"""Copies of uploads never outlive their session: a folder of a session that is over, or
untouched for hours, is removed by the next upload, and a new server removes them all."""

import os
import time

from ui import uploads

HOUR = 3600


def folder(root, name: str, age_hours: float, now: float) -> str:
    path = os.path.join(root, name)
    os.makedirs(path)
    with open(os.path.join(path, "patients.csv"), "w") as handle:
        handle.write("practice_code,patient_id\nX10010,P1\n")
    os.utime(path, (now - age_hours * HOUR, now - age_hours * HOUR))
    return path


def test_folders_of_ended_or_abandoned_sessions_are_removed(tmp_path):
    now = 1_800_000_000.0
    root = str(tmp_path)
    live = folder(root, "live-session--a1", 0.5, now)
    ended = folder(root, "ended-session--b2", 0.1, now)
    abandoned = folder(root, "live-too--c3", 7, now)
    removed = uploads.sweep_uploads(root, now, lambda sid: sid in ("live-session", "live-too"))
    assert sorted(removed) == ["ended-session--b2", "live-too--c3"]
    assert os.path.isdir(live) and not os.path.exists(ended) and not os.path.exists(abandoned)


def test_a_new_server_removes_the_folders_of_servers_that_stopped(tmp_path):
    now = 1_800_000_000.0
    stopped = folder(str(tmp_path), "4001", 0.1, now)
    running = folder(str(tmp_path), str(os.getpid()), 0.1, now)
    assert uploads.sweep_stopped_servers(str(tmp_path), lambda pid: pid == os.getpid()) == ["4001"]
    assert not os.path.exists(stopped) and os.path.isdir(running)
    assert uploads.sweep_uploads(str(tmp_path / "missing"), now, lambda sid: True) == []


def test_the_server_sweeps_a_session_that_is_over_at_two_rounds_in_a_row(tmp_path):
    """A session not live at one round keeps its files (it may have lost its connection for a
    moment); not live at the next round too, its folder goes."""
    now = 1_800_000_000.0
    root = str(tmp_path)
    ended = folder(root, "ended--a1", 0.1, now)
    back = folder(root, "back--b2", 0.1, now)
    live = folder(root, "live--c3", 0.1, now)
    abandoned = folder(root, "live--d4", 7, now)
    first = uploads.sweep_ended(root, now, lambda sid: sid == "live", set())
    assert first == {"ended", "back"} and os.path.isdir(ended) and os.path.isdir(back)
    assert not os.path.exists(abandoned)  # untouched for hours: gone at once
    second = uploads.sweep_ended(root, now, lambda sid: sid in ("live", "back"), first)
    assert second == {"ended"}
    assert not os.path.exists(ended) and os.path.isdir(back) and os.path.isdir(live)
    assert uploads.sweep_ended(str(tmp_path / "missing"), now, lambda sid: True, set()) == set()


def test_a_server_sweeps_at_start_and_then_by_itself_with_no_upload(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "UPLOADS_ROOT", str(tmp_path))
    monkeypatch.setattr(uploads, "SWEEP_EVERY_SECONDS", 0.01)
    monkeypatch.setattr(uploads, "_is_live", lambda sid: sid != "ended")
    now = time.time()
    stopped = folder(str(tmp_path), "4001", 0.1, now)
    ended = folder(str(tmp_path / str(os.getpid())), "ended--a1", 0.1, now)
    live = folder(str(tmp_path / str(os.getpid())), "live--b2", 0.1, now)
    uploads.start_sweeping.clear()
    try:
        sweeper = uploads.start_sweeping()
        assert not os.path.exists(stopped)  # at start
        assert sweeper.daemon and sweeper.is_alive()
        with uploads.SWEEPS:  # two rounds: an ended session goes at the second (D46)
            start = uploads.sweeps_done
            assert uploads.SWEEPS.wait_for(lambda: uploads.sweeps_done >= start + 3, timeout=60)
        assert not os.path.exists(ended) and os.path.isdir(live)
        assert uploads.start_sweeping() is sweeper  # one sweeper per server
    finally:
        uploads.start_sweeping.clear()
