"""The spool: lines survive until stored, segments move by atomic renames."""

import os

from analytics.spool import Spool


def test_lines_are_on_disk_as_soon_as_appended(tmp_path):
    spool = Spool(tmp_path)
    spool.append('{"a": 1}')
    spool.append('{"a": 2}')
    assert spool.pending_lines() == 2  # read by another handle: flushed, not buffered
    spool.close()


def test_rotate_claim_done(tmp_path):
    spool = Spool(tmp_path)
    spool.append("{}")
    assert spool.claim() == []  # the open segment is not claimable
    spool.rotate()
    [segment] = spool.claim()
    assert segment.name.endswith(f".work-{os.getpid()}")
    assert spool.claim() == []  # claimed once
    spool.done(segment)
    assert spool.pending_lines() == 0


def test_a_refused_segment_is_given_back(tmp_path):
    spool = Spool(tmp_path)
    spool.append("{}")
    spool.rotate()
    [segment] = spool.claim()
    spool.give_back(segment)
    assert len(spool.claim()) == 1


def test_segments_of_dead_processes_are_replayed(tmp_path):
    dead = 2**22 + 12345  # above the default pid_max of 4194304: never a live process
    (tmp_path / f"{dead}-1.open").write_text("{}\n")
    (tmp_path / f"{dead}-2.work-{dead}").write_text("{}\n")
    spool = Spool(tmp_path)
    assert spool.claim() == []
    assert len(spool.claim(include_abandoned=True)) == 2


def test_an_empty_rotation_leaves_nothing(tmp_path):
    spool = Spool(tmp_path)
    spool.rotate()
    spool.append("{}")
    spool.rotate()
    spool.rotate()
    assert len(list(tmp_path.iterdir())) == 1
