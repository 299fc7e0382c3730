"""Copies of uploads never outlive their session: a folder of a session that is over, or
untouched for hours, is removed by the next upload, and a new server removes them all."""

import os

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
