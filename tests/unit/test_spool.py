"""The spool: lines survive until stored, segments move by atomic renames."""

import datetime
import json
import os
from pathlib import Path

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


def test_quarantined_lines_are_kept_with_their_error_and_not_counted_as_pending(tmp_path):
    spool = Spool(tmp_path)
    spool.append("{}")
    spool.quarantine([{"error": "UnicodeEncodeError: surrogates", "tries": 3, "line": '{"a":1}'}])
    assert spool.pending_lines() == 1  # the quarantine is not waiting to be stored
    assert spool.quarantined_lines() == 1
    [entry] = [json.loads(line) for line in spool.quarantine_path.read_text().splitlines()]
    assert entry["line"] == '{"a":1}' and entry["tries"] == 3 and "surrogates" in entry["error"]
    assert datetime.datetime.fromisoformat(entry["at"]).tzinfo is not None
    assert spool.claim() == [] and spool.claim(include_abandoned=True) == []  # never replayed
    spool.close()


def test_rewrite_replaces_a_claimed_segment_whole(tmp_path):
    spool = Spool(tmp_path)
    for n in range(3):
        spool.append(f'{{"n": {n}}}')
    spool.rotate()
    [segment] = spool.claim()
    spool.rewrite(segment, ['{"n": 2, "t": 1}'])
    spool.give_back(segment)
    assert spool.pending_lines() == 1
    [again] = spool.claim()
    assert again.read_text() == '{"n": 2, "t": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == [again.name]  # no temporary file left


def test_the_quarantine_is_trimmed_by_age(tmp_path):
    spool = Spool(tmp_path)
    spool.quarantine([{"error": "x", "tries": 3, "line": "new"}])
    old = {"at": "2020-01-01T00:00:00+00:00", "error": "x", "tries": 3, "line": "old"}
    with open(spool.quarantine_path, "a") as handle:
        handle.write(json.dumps(old) + "\n")
    cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    assert spool.purge_quarantine(cutoff) == 1
    assert [
        json.loads(line)["line"] for line in spool.quarantine_path.read_text().splitlines()
    ] == ["new"]
    assert spool.purge_quarantine(cutoff) == 0


def test_stray_files_in_the_spool_folder_are_left_alone(tmp_path):
    for name in ("notes.open", "x-y.work-z", "backup.ready", "quarantine.jsonl"):
        (tmp_path / name).write_text("{}\n")
    spool = Spool(tmp_path)
    assert spool.claim(include_abandoned=True) == []
    assert spool.pending_lines() == 0


def test_a_segment_renamed_while_counted_is_still_counted(tmp_path, monkeypatch):
    # a writer claims a segment between pending_lines' listing and its reading: the lines
    # moved, they were not stored, and a caller waiting for 0 must not stop early
    spool = Spool(tmp_path)
    spool.folder.mkdir(parents=True, exist_ok=True)
    ready = spool.folder / "123-1.ready"
    ready.write_text('{"a": 1}\n{"a": 2}\n')
    (spool.folder / "123-2.ready").write_text('{"a": 3}\n')
    real_open = open
    claimed = []

    def claim_first(path, *args, **kwargs):
        if Path(path) == ready and not claimed:
            claimed.append(ready.rename(ready.with_name("123-1.work-99")))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", claim_first)
    assert spool.pending_lines() == 3
    assert claimed  # the race did happen


def test_an_erasure_drops_the_quarantined_lines_of_its_user_and_browsers_only(tmp_path):
    spool = Spool(tmp_path)
    mine, other = "a" * 32, "b" * 32
    lines = {
        "user": '{"u":7,"v":"' + other + '"}',
        "browser": '{"u":null,"v":"' + mine + '"}',
        "anonymous": '{"u":null,"v":"' + other + '"}',
        "cut short": '{"u":7,"v":"' + other,
    }
    spool.quarantine([{"error": "x", "tries": 3, "line": line} for line in lines.values()])

    def kept() -> list[str]:
        return [json.loads(row)["line"] for row in spool.quarantine_path.read_text().splitlines()]

    # no account: only the browser's line goes; None is not the missing "u" of anonymous lines
    assert spool.forget_quarantined(None, {mine}) == 1
    assert kept() == [lines["user"], lines["anonymous"], lines["cut short"]]
    assert spool.forget_quarantined(7, set()) == 2
    assert kept() == [lines["anonymous"]]
    spool.close()
