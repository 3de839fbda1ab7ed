"""A durable queue of accepted events on local disk, between the request and the database.

The collect endpoint appends one line per request to this worker's open segment and answers
202 once the line is written: from then on a crash of the worker or an unreachable database
loses nothing. Writers drain closed segments into the database; a segment is deleted only after
its transaction committed, and event ids are unique, so reading one twice stores nothing twice.

Segment files move through states by atomic renames, so several workers and the ``replay``
command can share the folder:  ``<pid>-<n>.open`` → ``.ready`` → ``.work-<pid>`` → deleted.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


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

    def __init__(self, folder: str | os.PathLike, fsync: bool = False):
        self.folder = Path(folder)
        self.fsync = fsync
        self._lock = threading.Lock()
        self._handle = None
        self._path: Path | None = None
        self._pid = 0

    def append(self, line: str) -> None:
        """Write one line durably enough to acknowledge it (flushed; fsync'd when configured)."""
        data = (line + "\n").encode()
        with self._lock:
            if self._handle is None or self._pid != os.getpid():
                self._open()
            self._handle.write(data)
            self._handle.flush()
            if self.fsync:
                os.fsync(self._handle.fileno())

    def _open(self) -> None:
        # after a fork the inherited handle belongs to the parent: start a segment of our own
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._path = self.folder / f"{self._pid}-{time.time_ns()}.open"
        self._handle = open(self._path, "ab")  # noqa: SIM115 - kept open between requests

    def rotate(self) -> None:
        """Close this process's open segment so it can be drained (no-op when empty)."""
        with self._lock:
            if self._handle is None or self._pid != os.getpid():
                return
            self._handle.close()
            self._handle = None
            path, self._path = self._path, None
            if path.stat().st_size:
                path.rename(path.with_suffix(".ready"))
            else:
                path.unlink()

    def claim(self, include_abandoned: bool = False) -> list[Path]:
        """Take the ready segments (and, for replay, those left by dead processes) for work."""
        if not self.folder.exists():
            return []
        candidates = sorted(self.folder.glob("*.ready"))
        if include_abandoned:
            for path in sorted(self.folder.glob("*.open")) + sorted(self.folder.glob("*.work-*")):
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

    def pending_lines(self) -> int:
        """Lines waiting on disk (all segments, all states)."""
        if not self.folder.exists():
            return 0
        total = 0
        for path in self.folder.iterdir():
            try:
                with open(path, "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except FileNotFoundError:
                continue
        return total

    def close(self) -> None:
        self.rotate()
