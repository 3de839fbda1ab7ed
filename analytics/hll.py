"""Visitor sets for the rollups: exact sets of 64-bit hashes and HyperLogLog sketches.

A day's visitors are one blob, by size:

- up to ``SKETCH_FROM`` visitors: ``b"E"`` + the sorted hashes (little-endian signed 64-bit);
- up to ``EXACT_LIMIT``: ``b"B"`` + precision + the sketch's registers + the sorted hashes;
- beyond: ``b"H"`` + precision + registers (a HyperLogLog sketch, precision 14: 16 KiB, about
  0.8 % standard error).

Unique visitors over a period are the size of the union of its days' blobs. ``VisitorUnion``
counts exactly while the period's daily visitor counts add up to at most ``UNION_EXACT_LIMIT``
(and every day is exact), and merges sketches beyond, which costs the same for any traffic:
the registers are merged as one big integer per day, a byte-wise maximum in a few operations.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Iterable

PRECISION = 14
REGISTERS = 1 << PRECISION
SKETCH_FROM = 1_000
EXACT_LIMIT = 20_000
UNION_EXACT_LIMIT = 50_000
MASK64 = (1 << 64) - 1
_LITTLE = sys.byteorder == "little"
_HIGH = int.from_bytes(b"\x80" * REGISTERS, "little")
_POWERS = [2.0**-rank for rank in range(66)]


def _hash_array(data) -> array:
    hashes = array("q")
    hashes.frombytes(data)
    if not _LITTLE:  # pragma: no cover - the blobs are little-endian everywhere
        hashes.byteswap()
    return hashes


def _packed(hashes: set[int]) -> bytes:
    packed = array("q", sorted(hashes))
    if not _LITTLE:  # pragma: no cover
        packed.byteswap()
    return packed.tobytes()


def _add_to_registers(registers: bytearray, hashes: Iterable[int]) -> None:
    shift = 64 - PRECISION
    low = (1 << shift) - 1
    for value in hashes:
        value &= MASK64
        index = value >> shift
        rank = shift - (value & low).bit_length() + 1
        if rank > registers[index]:
            registers[index] = rank


def sketch(hashes: Iterable[int]) -> bytes:
    """The HyperLogLog registers of ``hashes``."""
    registers = bytearray(REGISTERS)
    _add_to_registers(registers, hashes)
    return bytes(registers)


def encode(
    hashes: set[int], exact_limit: int = EXACT_LIMIT, sketch_from: int = SKETCH_FROM
) -> bytes:
    """A day's blob of ``hashes`` (see the module docstring)."""
    if len(hashes) <= min(sketch_from, exact_limit):
        return b"E" + _packed(hashes)
    head = bytes([PRECISION]) + sketch(hashes)
    if len(hashes) <= exact_limit:
        return b"B" + head + _packed(hashes)
    return b"H" + head


def sketch_only(blob) -> bytes:
    """The blob without its visitor hashes: only the sketch, which names nobody."""
    data = memoryview(blob).cast("B")
    if not len(data) or data[0] == ord("H"):
        return bytes(data)
    if data[0] == ord("E"):
        return b"H" + bytes([PRECISION]) + sketch(_hash_array(data[1:]))
    return b"H" + bytes(data[1 : 2 + REGISTERS])


def without(blob, hashes: set[int]) -> bytes | None:
    """The blob with ``hashes`` taken out of its exact part; None when none of them is in it.

    A sketch cannot forget anyone, and names nobody: it stays as it is.
    """
    data = memoryview(blob).cast("B")
    if not len(data) or data[0] == ord("H"):
        return None
    offset = 1 if data[0] == ord("E") else 2 + REGISTERS
    present = set(_hash_array(data[offset:]))
    if present.isdisjoint(hashes):
        return None
    return bytes(data[:offset]) + _packed(present - hashes)


def _max_lanes(a: int, b: int) -> int:
    """Byte-wise maximum of two register vectors held as integers (every byte below 128)."""
    # in each byte, (a | 0x80) - b keeps its high bit exactly when a >= b, and never borrows
    a_wins = ((((a | _HIGH) - b) & _HIGH) >> 7) * 0xFF
    return (a & a_wins) | (b & ~a_wins)


def estimate(registers: bytes) -> int:
    """HyperLogLog's estimate from ``registers``, with linear counting for small sets."""
    m = len(registers)
    alpha = 0.7213 / (1 + 1.079 / m)
    total = sum(map(_POWERS.__getitem__, registers))
    value = alpha * m * m / total
    zeros = registers.count(0)
    if value <= 2.5 * m and zeros:
        value = m * math.log(m / zeros)
    return round(value)


class VisitorUnion:
    """The union of day blobs and loose hashes: exact, or a sketch once ``exact`` is off."""

    def __init__(self, exact: bool = True) -> None:
        self.exact: set[int] | None = set() if exact else None
        self._merged = 0  # registers of merged sketches, as one integer
        self._loose = bytearray(REGISTERS)  # registers of hashes added one by one

    def add_hashes(self, hashes: Iterable[int]) -> None:
        if self.exact is not None:
            self.exact.update(hashes)
        else:
            _add_to_registers(self._loose, hashes)

    def _to_sketch(self) -> None:
        if self.exact is not None:
            _add_to_registers(self._loose, self.exact)
            self.exact = None

    def add_blob(self, blob) -> None:
        data = memoryview(blob).cast("B")  # psycopg2 hands bytea out as format "c"
        if not len(data):
            return
        kind = data[0]
        if kind == ord("E"):
            self.add_hashes(_hash_array(data[1:]))
            return
        if data[1] != PRECISION:
            raise ValueError("a visitor sketch of another precision")
        if kind == ord("B") and self.exact is not None:
            self.add_hashes(_hash_array(data[2 + REGISTERS :]))
            return
        self._to_sketch()
        registers = int.from_bytes(data[2 : 2 + REGISTERS], "little")
        self._merged = _max_lanes(self._merged, registers) if self._merged else registers

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def __len__(self) -> int:
        if self.exact is not None:
            return len(self.exact)
        merged = _max_lanes(self._merged, int.from_bytes(self._loose, "little"))
        return estimate(merged.to_bytes(REGISTERS, "little"))
