"""A durable queue of accepted events on local disk, between the request and the database.

The collect endpoint appends one line per request to this worker's open segment and answers
202 once the line is written: from then on a crash of the worker or an unreachable database
loses nothing. Writers drain closed segments into the database; a segment is deleted only after
its transaction committed, and event ids are unique, so reading one twice stores nothing twice.

Segment files move through states by atomic renames, so several workers, writers and the
``replay`` command can share the folder:  ``<pid>-<n>.open`` → ``.ready`` → ``.work-<pid>`` →
deleted. A ``.work-<pid>`` whose process died (a writer killed mid-segment) is taken again by
the next replay; event ids make a second store of its lines a no-op.

The writer process (``winlas analytics writer``) leaves a heartbeat beside the segments,
``writer.json`` (its pid, when it started, last beat and last drain), so ``winlas analytics
stats`` can say whether one runs.

A line the database cannot take (after a bounded number of tries, see ``store.drain``) is moved
to ``quarantine.jsonl`` in the same folder, one JSON object per line (``at``, ``error``,
``tries``, ``line``: the original line), so it never holds up the lines around it and nothing
accepted is silently dropped.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from . import clock

QUARANTINE = "quarantine.jsonl"
HEARTBEAT = "writer.json"
# how often pending_lines counts again when segments move under it (a busy writer)
RECOUNTS = 20
_SEGMENT = re.compile(r"^\d+-\d+\.(?:open|ready|work-\d+)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class Spool:
    """Append-only segments in ``folder``; one open segment per process."""

    def __init__(
        self, folder: str | os.PathLike[str], fsync: bool = False, max_age: float | None = None
    ):
        """``max_age``: an append closes the open segment once it is this many seconds old
        (the write mode "process": the writer takes only closed segments)."""
        self.folder = Path(folder)
        self.fsync = fsync
        self.max_age = max_age
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._path: Path | None = None
        self._pid = 0
        self._opened = 0.0  # time.monotonic() when the open segment was created

    def append(self, line: str) -> None:
        """Write one line durably enough to acknowledge it (flushed; fsync'd when configured)."""
        data = (line + "\n").encode()
        with self._lock:
            handle = self._handle
            if handle is None or self._pid != os.getpid():
                handle = self._open()
            handle.write(data)
            handle.flush()
            if self.fsync:
                os.fsync(handle.fileno())
            if self.max_age is not None and time.monotonic() - self._opened >= self.max_age:
                self._close()

    def _open(self) -> BinaryIO:
        # after a fork the inherited handle belongs to the parent: start a segment of our own
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._path = self.folder / f"{self._pid}-{time.time_ns()}.open"
        self._handle = open(self._path, "ab")  # noqa: SIM115 - kept open between requests
        self._opened = time.monotonic()
        return self._handle

    def rotate(self, older_than: float = 0.0) -> None:
        """Close this process's open segment so it can be drained (no-op when empty); with
        ``older_than``, only when it was opened at least that many seconds ago."""
        with self._lock:
            if self._handle is None or self._pid != os.getpid():
                return
            if older_than and time.monotonic() - self._opened < older_than:
                return
            self._close()

    def _close(self) -> None:
        # the caller holds the lock and owns the open handle
        if self._handle is None:
            return
        self._handle.close()
        self._handle = None
        path, self._path = self._path, None
        if path is None:  # the handle and the path are set together in _open
            return
        if path.stat().st_size:
            path.rename(path.with_suffix(".ready"))
        else:
            path.unlink()

    def claim(self, include_abandoned: bool = False) -> list[Path]:
        """Take the ready segments (and, for replay, those left by dead processes) for work."""
        if not self.folder.exists():
            return []
        # only our own names: a stray file ("notes.open") must not stop a replay
        candidates = [p for p in sorted(self.folder.glob("*.ready")) if _SEGMENT.match(p.name)]
        if include_abandoned:
            for path in sorted(self.folder.glob("*.open")) + sorted(self.folder.glob("*.work-*")):
                if not _SEGMENT.match(path.name):
                    continue
                owner = (
                    int(path.suffix.split("-")[1])
                    if ".work-" in path.name
                    else int(path.name.split("-")[0])
                )
                if owner != os.getpid() and not _alive(owner):
                    candidates.append(path)
        claimed = []
        for path in candidates:
            target = path.with_name(f"{path.name.split('.')[0]}.work-{os.getpid()}")
            try:
                path.rename(target)
            except FileNotFoundError:
                continue  # another worker took it first
            claimed.append(target)
        return claimed

    @staticmethod
    def done(path: Path) -> None:
        """The segment is in the database: delete it."""
        path.unlink(missing_ok=True)

    @staticmethod
    def give_back(path: Path) -> None:
        """The database refused the segment: make it ready again for a later attempt."""
        path.rename(path.with_name(f"{path.name.split('.')[0]}.ready"))

    def release(self) -> int:
        """Give back every segment this process has claimed (a writer that stops between
        segments); returns how many. A claimed segment left behind would wait for a replay."""
        if not self.folder.exists():
            return 0
        released = 0
        for path in sorted(self.folder.glob(f"*.work-{os.getpid()}")):
            if not _SEGMENT.match(path.name):
                continue
            with contextlib.suppress(FileNotFoundError):
                self.give_back(path)
                released += 1
        return released

    @property
    def heartbeat_path(self) -> Path:
        return self.folder / HEARTBEAT

    def beat(self, status: dict[str, Any]) -> None:
        """Write the writer's heartbeat (``status`` as JSON), whole or not at all: written
        beside it and renamed over it, so a reader never sees half of one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f"{HEARTBEAT}.{os.getpid()}"
        temporary.write_text(json.dumps(status, sort_keys=True))
        os.replace(temporary, self.heartbeat_path)

    def heartbeat(self) -> dict[str, Any] | None:
        """The last heartbeat a writer left (None: none yet, or unreadable)."""
        try:
            status = json.loads(self.heartbeat_path.read_text())
        except (FileNotFoundError, ValueError, UnicodeDecodeError):
            return None
        return status if isinstance(status, dict) else None

    def writer_status(self, now: float | None = None) -> dict[str, Any]:
        """Whether a writer serves this spool: ``running`` (its process lives and beat within
        ``stale`` seconds, which it states itself), its ``pid``, ``beat_at`` and
        ``drained_at`` (Unix times) and ``seconds_since_drain``; all None without one."""
        status = self.heartbeat() or {}
        now = time.time() if now is None else now
        pid, beat_at = status.get("pid"), status.get("beat_at")
        drained_at, stale = status.get("drained_at"), status.get("stale")
        numbers = (int, float)
        running = (
            isinstance(pid, int)
            and pid > 0
            and isinstance(beat_at, numbers)
            and isinstance(stale, numbers)
            and not status.get("stopped_at")
            and now - beat_at <= stale
            and _alive(pid)
        )
        return {
            "running": bool(running),
            "pid": pid if isinstance(pid, int) else None,
            "beat_at": beat_at if isinstance(beat_at, numbers) else None,
            "drained_at": drained_at if isinstance(drained_at, numbers) else None,
            "seconds_since_drain": (
                round(now - drained_at, 1) if isinstance(drained_at, numbers) else None
            ),
        }

    @staticmethod
    def rewrite(path: Path, lines: list[str]) -> None:
        """Replace a claimed segment's content by ``lines`` (what is still to be stored).

        Written beside it and renamed over it: a crash leaves either the old or the new
        content, never half of one."""
        temporary = path.with_name(f"{path.name}.rewrite")
        with open(temporary, "wb") as handle:
            handle.write("".join(line + "\n" for line in lines).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @property
    def quarantine_path(self) -> Path:
        return self.folder / QUARANTINE

    def quarantine(self, entries: list[dict[str, Any]]) -> None:
        """Append lines the database would not take, with why, to ``quarantine.jsonl``.

        Always fsync'd: the caller deletes the lines from their segment right after, and this
        file is then their only copy (it is rare, so the cost does not matter)."""
        now = clock.now().replace(tzinfo=datetime.UTC).isoformat(timespec="seconds")
        data = "".join(
            json.dumps({"at": now, **entry}, ensure_ascii=True) + "\n" for entry in entries
        ).encode()
        with self._quarantine_lock(), open(self.quarantine_path, "ab") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def quarantined_lines(self) -> int:
        """Lines in the quarantine file."""
        try:
            with open(self.quarantine_path, "rb") as handle:
                return sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return 0

    def purge_quarantine(self, cutoff: datetime.datetime) -> int:
        """Drop quarantined lines put there before ``cutoff`` (aware, UTC); returns how many.

        They hold what the spool holds (pseudonymous ids, paths), so they are kept no longer
        than an operator needs to look at them."""
        path = self.quarantine_path
        if not path.exists():
            return 0
        with self._quarantine_lock():
            return self._purge_quarantine(path, cutoff)

    @staticmethod
    def _purge_quarantine(path: Path, cutoff: datetime.datetime) -> int:
        def expired(entry: dict[str, Any]) -> bool:
            try:
                return datetime.datetime.fromisoformat(entry["at"]) < cutoff
            except (ValueError, KeyError, TypeError):
                return False  # not ours to judge: an operator's edit, say; kept

        return _drop_entries(path, expired)

    def forget_quarantined(self, user_id: int | None, visitor_ids: set[str]) -> int:
        """Drop quarantined lines of an erased user (None: no account, only browsers) or of
        their browsers; returns how many."""
        path = self.quarantine_path
        if not path.exists():
            return 0

        def theirs(entry: dict[str, Any]) -> bool:
            try:
                line = json.loads(entry["line"])
                # a line without "u" is anonymous: None must not match it
                return (user_id is not None and line.get("u") == user_id) or line.get(
                    "v"
                ) in visitor_ids
            except (ValueError, KeyError, TypeError, AttributeError):
                # unreadable: it may be anyone's, and nothing reads it but an operator; a
                # line cut short keeps its beginning, where the ids are
                return (user_id is not None and f'"u":{user_id},' in entry.get("line", "")) or any(
                    visitor in entry.get("line", "") for visitor in visitor_ids
                )

        with self._quarantine_lock():
            return _drop_entries(path, theirs)

    @contextlib.contextmanager
    def _quarantine_lock(self) -> Iterator[None]:
        """Workers of several processes append to the quarantine and one may purge it: an
        flock on a file of its own (the quarantine itself is replaced when purged)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.folder / "quarantine.lock", "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def oldest_ready_seconds(self, now: float | None = None) -> float:
        """How long the oldest closed segment has waited for a writer (0 when none waits)."""
        now = time.time() if now is None else now
        oldest = now
        for path in self.folder.glob("*.ready") if self.folder.exists() else ():
            if not _SEGMENT.match(path.name):
                continue
            try:
                oldest = min(oldest, path.stat().st_mtime)
            except FileNotFoundError:
                continue  # claimed meanwhile
        return max(0.0, now - oldest)

    def pending_lines(self) -> int:
        """Lines waiting on disk (all segments, all states; not the quarantine)."""
        if not self.folder.exists():
            return 0
        # a segment renamed between the listing and its reading (closed, claimed, given back)
        # still holds its lines under its new name: count again, or they would look stored
        for _attempt in range(RECOUNTS):
            total, moved = 0, False
            for path in self.folder.iterdir():
                if not _SEGMENT.match(path.name):
                    continue
                try:
                    with open(path, "rb") as handle:
                        total += sum(1 for line in handle if line.strip())
                except FileNotFoundError:
                    moved = True
            if not moved:
                break
        return total

    def close(self) -> None:
        self.rotate()


def _drop_entries(path: Path, drop: Callable[[dict[str, Any]], bool]) -> int:
    """Rewrite the quarantine file without the entries ``drop(entry)`` is true for (the
    caller holds the quarantine lock)."""
    try:
        raw = [line for line in path.read_bytes().splitlines() if line.strip()]
    except FileNotFoundError:
        return 0
    keep = []
    for line in raw:
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or not drop(entry):
            keep.append(line)
    if len(keep) == len(raw):
        return 0
    temporary = path.with_name(QUARANTINE + ".rewrite")
    temporary.write_bytes(b"".join(line + b"\n" for line in keep))
    os.replace(temporary, path)
    return len(raw) - len(keep)
