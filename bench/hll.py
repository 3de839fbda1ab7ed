"""Visitor-set benchmark: analytics.hll (Apache DataSketches) against the hand-written
HyperLogLog it replaced (issue 12), in one process, on the same data.

The baseline is the old ``analytics/hll.py`` copied below (``Old*``/``old_*``), unchanged but
for names. The data has a real site's shape: 365 days whose sizes are skewed (most days a few
hundred visitors, some thousands, a few tens of thousands), a pool of regulars who come back
day after day, visitor ids hashed with ``analytics.reports.visitor_hash``. Measured:

* ``encode``: every day's blob of the year (``hll.encode``), and one day of 5 000 and of 50 000;
* ``union30`` / ``union365``: what ``rollups.read_summary`` does for the last 30 / 365 days
  (a ``VisitorUnion``, exact only while the daily counts add up to ``UNION_EXACT_LIMIT``, every
  day's blob added, then ``len``): the dashboard's path;
* ``bytes``: the year's blobs, and one sketch-only blob (``sketch_only``) of a large day;
* ``error``: relative error of the unique-visitor estimate of a 30-day sketch union against
  the exact count, at 10 000, 100 000 and 1 000 000 distinct visitors (several seeds: mean and
  worst of |error|), every day sketch-only so that nothing is counted exactly;
* ``upgrade``: migration 0005's cost, rewriting the year's old blobs (``hll.upgrade``).

Times are the median of ``RUNS`` runs (default 7); ratios are new / old (below 1: faster or
smaller). ``HLL_4`` is what the site stores; ``HLL_8`` is printed beside it for the record.
Run with ``.venv/bin/python bench/hll.py``; the figures are printed as a table, then as
``name value`` lines, and written to ``bench/results/hll.json``.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datasketches  # noqa: E402

from analytics import hll  # noqa: E402
from analytics.reports import visitor_hash  # noqa: E402

RESULTS_FILE = ROOT / "bench" / "results" / "hll.json"
RUNS = int(os.environ.get("RUNS", "7"))
DAYS = 365
REGULARS = 20_000
SEED = 12

# ------------------------------------------------------------------ the old implementation

OLD_PRECISION = 14
OLD_REGISTERS = 1 << OLD_PRECISION
OLD_SKETCH_FROM = 1_000
OLD_EXACT_LIMIT = 20_000
OLD_UNION_EXACT_LIMIT = 50_000
MASK64 = (1 << 64) - 1
_HIGH = int.from_bytes(b"\x80" * OLD_REGISTERS, "little")
_POWERS = [2.0**-rank for rank in range(66)]


def _old_hash_array(data: hll.Blob) -> array[int]:
    hashes = array("q")
    hashes.frombytes(data)
    return hashes


def _old_packed(hashes: set[int]) -> bytes:
    return array("q", sorted(hashes)).tobytes()


def _old_add_to_registers(registers: bytearray, hashes: Iterable[int]) -> None:
    shift = 64 - OLD_PRECISION
    low = (1 << shift) - 1
    for value in hashes:
        value &= MASK64
        index = value >> shift
        rank = shift - (value & low).bit_length() + 1
        if rank > registers[index]:
            registers[index] = rank


def old_sketch(hashes: Iterable[int]) -> bytes:
    registers = bytearray(OLD_REGISTERS)
    _old_add_to_registers(registers, hashes)
    return bytes(registers)


def old_encode(
    hashes: set[int], exact_limit: int = OLD_EXACT_LIMIT, sketch_from: int = OLD_SKETCH_FROM
) -> bytes:
    if len(hashes) <= min(sketch_from, exact_limit):
        return b"E" + _old_packed(hashes)
    head = bytes([OLD_PRECISION]) + old_sketch(hashes)
    if len(hashes) <= exact_limit:
        return b"B" + head + _old_packed(hashes)
    return b"H" + head


def old_sketch_only(blob: hll.Blob) -> bytes:
    data = memoryview(blob).cast("B")
    if not len(data) or data[0] == ord("H"):
        return bytes(data)
    if data[0] == ord("E"):
        return b"H" + bytes([OLD_PRECISION]) + old_sketch(_old_hash_array(data[1:]))
    return b"H" + bytes(data[1 : 2 + OLD_REGISTERS])


def _old_max_lanes(a: int, b: int) -> int:
    a_wins = ((((a | _HIGH) - b) & _HIGH) >> 7) * 0xFF
    return (a & a_wins) | (b & ~a_wins)


def old_estimate(registers: bytes) -> int:
    m = len(registers)
    alpha = 0.7213 / (1 + 1.079 / m)
    total = sum(map(_POWERS.__getitem__, registers))
    value = alpha * m * m / total
    zeros = registers.count(0)
    if value <= 2.5 * m and zeros:
        value = m * math.log(m / zeros)
    return round(value)


class OldVisitorUnion:
    def __init__(self, exact: bool = True) -> None:
        self.exact: set[int] | None = set() if exact else None
        self._merged = 0
        self._loose = bytearray(OLD_REGISTERS)

    def add_hashes(self, hashes: Iterable[int]) -> None:
        if self.exact is not None:
            self.exact.update(hashes)
        else:
            _old_add_to_registers(self._loose, hashes)

    def _to_sketch(self) -> None:
        if self.exact is not None:
            _old_add_to_registers(self._loose, self.exact)
            self.exact = None

    def add_blob(self, blob: hll.Blob) -> None:
        data = memoryview(blob).cast("B")
        if not len(data):
            return
        kind = data[0]
        if kind == ord("E"):
            self.add_hashes(_old_hash_array(data[1:]))
            return
        if kind == ord("B") and self.exact is not None:
            self.add_hashes(_old_hash_array(data[2 + OLD_REGISTERS :]))
            return
        self._to_sketch()
        registers = int.from_bytes(data[2 : 2 + OLD_REGISTERS], "little")
        self._merged = _old_max_lanes(self._merged, registers) if self._merged else registers

    def __len__(self) -> int:
        if self.exact is not None:
            return len(self.exact)
        merged = _old_max_lanes(self._merged, int.from_bytes(self._loose, "little"))
        return old_estimate(merged.to_bytes(OLD_REGISTERS, "little"))


# ------------------------------------------------------------------------------ the data


def _id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def year(seed: int = SEED) -> list[set[int]]:
    """Visitor hashes of ``DAYS`` days: 85 % of days 50-1 000 visitors, 12 % 1 000-20 000,
    3 % 20 000-120 000 (log-uniform within each band); a third are regulars."""
    rng = random.Random(seed)
    regulars = [visitor_hash(_id(rng)) for _ in range(REGULARS)]
    days = []
    for _ in range(DAYS):
        band = rng.random()
        low, high = (
            (50, 1_000) if band < 0.85 else (1_000, 20_000) if band < 0.97 else (20_000, 120_000)
        )
        size = round(math.exp(rng.uniform(math.log(low), math.log(high))))
        returning = min(size // 3, REGULARS)
        day = set(rng.sample(regulars, returning))
        day.update(visitor_hash(_id(rng)) for _ in range(size - returning))
        days.append(day)
    return days


def _median_ms(function: Callable[[], object]) -> float:
    function()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _union(
    union_class: type[OldVisitorUnion] | type[hll.VisitorUnion],
    limit: int,
    counts: list[int],
    blobs: list[bytes],
) -> int:
    union = union_class(exact=sum(counts) <= limit)
    for blob in blobs:
        union.add_blob(blob)
    return len(union)


def _errors(distinct: int, seeds: int) -> tuple[list[float], list[float]]:
    """|relative error| of old and new over ``seeds`` runs of a 30-day sketch-only union."""
    old, new = [], []
    for seed in range(seeds):
        rng = random.Random(1000 + seed)
        visitors = [rng.getrandbits(64) - 2**63 for _ in range(distinct)]
        days: list[set[int]] = [set() for _ in range(30)]
        for visitor in visitors:  # each visitor on one to three days
            for _ in range(rng.choice((1, 1, 2, 3))):
                days[rng.randrange(30)].add(visitor)
        old_union, new_union = OldVisitorUnion(exact=False), hll.VisitorUnion(exact=False)
        for day in days:
            old_union.add_blob(b"H" + bytes([OLD_PRECISION]) + old_sketch(day))
            new_union.add_blob(hll.SKETCH + hll.sketch(day))
        old.append(abs(len(old_union) / distinct - 1))
        new.append(abs(len(new_union) / distinct - 1))
    return old, new


def measure() -> dict[str, float]:
    days = year()
    counts = [len(day) for day in days]
    figures: dict[str, float] = {
        "days": len(days),
        "visitors_per_day_median": statistics.median(counts),
        "days_exact": sum(c <= hll.SKETCH_FROM for c in counts),
        "days_sketch_and_hashes": sum(hll.SKETCH_FROM < c <= hll.EXACT_LIMIT for c in counts),
        "days_sketch_only": sum(c > hll.EXACT_LIMIT for c in counts),
    }
    medium = next(day for day in days if 4_000 < len(day) < 8_000)
    large = next(day for day in days if len(day) > 40_000)
    old_blobs = [old_encode(day) for day in days]
    variants = {"hll4": datasketches.HLL_4, "hll8": datasketches.HLL_8}
    chosen = hll.SKETCH_TYPE
    figures["encode_year_ms_old"] = _median_ms(lambda: [old_encode(day) for day in days])
    figures["encode_medium_ms_old"] = _median_ms(lambda: old_encode(medium))
    figures["encode_large_ms_old"] = _median_ms(lambda: old_encode(large))
    for period in (30, 365):
        blobs, sizes = old_blobs[-period:], counts[-period:]
        figures[f"union{period}_ms_old"] = _median_ms(
            lambda b=blobs, s=sizes: _union(OldVisitorUnion, OLD_UNION_EXACT_LIMIT, s, b)
        )
    figures["bytes_year_old"] = sum(map(len, old_blobs))
    figures["bytes_sketch_only_large_old"] = len(old_sketch_only(old_encode(large)))
    try:
        for name, kind in variants.items():
            hll.SKETCH_TYPE = kind
            new_blobs = [hll.encode(day) for day in days]
            figures[f"encode_year_ms_{name}"] = _median_ms(lambda: [hll.encode(d) for d in days])
            figures[f"encode_medium_ms_{name}"] = _median_ms(lambda: hll.encode(medium))
            figures[f"encode_large_ms_{name}"] = _median_ms(lambda: hll.encode(large))
            for period in (30, 365):
                blobs, sizes = new_blobs[-period:], counts[-period:]
                figures[f"union{period}_ms_{name}"] = _median_ms(
                    lambda b=blobs, s=sizes: _union(hll.VisitorUnion, hll.UNION_EXACT_LIMIT, s, b)
                )
            figures[f"bytes_year_{name}"] = sum(map(len, new_blobs))
            figures[f"bytes_sketch_only_large_{name}"] = len(hll.sketch_only(hll.encode(large)))
    finally:
        hll.SKETCH_TYPE = chosen
    figures["upgrade_year_ms"] = _median_ms(lambda: [hll.upgrade(blob) for blob in old_blobs])
    for distinct, seeds in ((10_000, 20), (100_000, 8), (1_000_000, 3)):
        old, new = _errors(distinct, seeds)
        figures[f"error_{distinct}_mean_old"] = statistics.mean(old)
        figures[f"error_{distinct}_worst_old"] = max(old)
        figures[f"error_{distinct}_mean_new"] = statistics.mean(new)
        figures[f"error_{distinct}_worst_new"] = max(new)
    return figures


def table(figures: dict[str, float]) -> str:
    rows = [f"{'measure':<34}{'old':>12}{'HLL_4':>12}{'ratio':>8}{'HLL_8':>12}{'ratio':>8}"]
    for key, label in (
        ("encode_year_ms", "encode the year's 365 days (ms)"),
        ("encode_medium_ms", "encode a 5-8k visitor day (ms)"),
        ("encode_large_ms", "encode a 40k+ visitor day (ms)"),
        ("union30_ms", "union + count, 30 days (ms)"),
        ("union365_ms", "union + count, 365 days (ms)"),
        ("bytes_year", "bytes, the year's blobs"),
        ("bytes_sketch_only_large", "bytes, one sketch-only blob"),
    ):
        old, four, eight = (figures[f"{key}_{name}"] for name in ("old", "hll4", "hll8"))
        rows.append(
            f"{label:<34}{old:>12.6g}{four:>12.6g}{four / old:>8.2f}{eight:>12.6g}"
            f"{eight / old:>8.2f}"
        )
    rows.append(f"{'relative error, 30-day union':<34}{'old':>12}{'new':>12}")
    for distinct in (10_000, 100_000, 1_000_000):
        for stat in ("mean", "worst"):
            old, new = (figures[f"error_{distinct}_{stat}_{who}"] for who in ("old", "new"))
            rows.append(f"{f'  {distinct:,} distinct, {stat}':<34}{old:>12.2%}{new:>12.2%}")
    return "\n".join(rows)


def main() -> None:
    figures = measure()
    print(table(figures))
    for name, value in figures.items():
        print(f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        json.dumps({k: round(v, 5) for k, v in figures.items()}, indent=2) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
