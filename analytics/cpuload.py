"""How busy the machine's processors were since the last look, for the writer process.

The writer stores what the web workers spooled. While the processors are busy with requests,
storing takes the time the requests need (a benchmark at the limit served a quarter fewer
batched requests with the writer storing beside it than without); the lines are already
durable in the spool, so the writer can wait for a quieter moment, up to a bound
(``ANALYTICS_WRITER_MAX_LAG``), and then stores in any case.

Linux's /proc/stat says how much of all processors' time was idle; elsewhere the gauge knows
nothing and the writer never waits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC_STAT = Path("/proc/stat")
# busy: less than this share of the processors' time was idle since the last look
BUSY_BELOW_IDLE = 0.2


class CpuGauge:
    """``idle_share()``: the share of processor time spent idle since the previous call."""

    def __init__(self, source: Path = PROC_STAT):
        self.source = source
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.last = self._read()
        self.own = time.process_time()

    def _read(self) -> tuple[int, int] | None:
        """(idle, total) jiffies of all processors, or None where /proc/stat is not."""
        try:
            with open(self.source, encoding="ascii") as handle:
                fields = handle.readline().split()
        except OSError:
            return None
        if not fields or fields[0] != "cpu":
            return None
        try:
            ticks = [int(value) for value in fields[1:]]
        except ValueError:
            return None
        # user nice system idle iowait irq softirq steal (guest time is inside user)
        if len(ticks) < 5:
            return None
        return ticks[3] + ticks[4], sum(ticks[:8])

    def idle_share(self) -> float | None:
        """Idle share since the last call, this process's own work counted as idle (the
        writer's storing must not make it wait next time); None: unknown, or no time passed."""
        now, own = self._read(), time.process_time()
        (last, self.last), (last_own, self.own) = (self.last, now), (self.own, own)
        if now is None or last is None or now[1] <= last[1]:
            return None
        idle = now[0] - last[0] + (own - last_own) * self.tick
        return min(1.0, idle / (now[1] - last[1]))

    def busy(self) -> bool:
        """True when the processors were mostly busy since the last call."""
        share = self.idle_share()
        return share is not None and share < BUSY_BELOW_IDLE
