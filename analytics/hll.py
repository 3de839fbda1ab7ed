"""Visitor sets for the rollups: exact sets of 64-bit hashes and HyperLogLog sketches.

The sketches are Apache DataSketches' HLL (``datasketches.hll_sketch``, lg_k 14, HLL_4: about
0.8 % standard error). It replaced a hand-written HyperLogLog (issue 12) because it measured
faster on every path and as accurate; ``bench/hll.py`` keeps the old one as its baseline and
prints the figures (README, "Speed at scale").

A day's visitors are one blob, by size:

- up to ``SKETCH_FROM`` visitors: ``b"E"`` + the sorted hashes (little-endian signed 64-bit);
- up to ``EXACT_LIMIT``: ``b"D"`` + the sketch's length (uint32 LE) + the sketch + the sorted
  hashes;
- beyond: ``b"S"`` + the sketch (its compact serialisation).

Blobs of the hand-written sketch are still read: ``b"B"`` (precision + 16 KiB of registers +
the sorted hashes) by its hashes, exactly as before; ``b"H"`` (precision + registers only) by
turning its registers into a DataSketches sketch image. Those registers come from another hash
of the same visitors, so a period mixing ``b"H"`` days with new days counts a visitor seen on
both sides twice: migration 0005 rewrites every old blob and makes the next rollup run rebuild
the ``b"H"`` days that still have raw events; only days already past the raw retention stay
converted images (``upgrade``).

Unique visitors over a period are the size of the union of its days' blobs. ``VisitorUnion``
counts exactly while the period's daily visitor counts add up to at most ``UNION_EXACT_LIMIT``
(and every day has its hashes), and merges sketches beyond.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable
from typing import TypeAlias

import datasketches

LG_K = 14
PRECISION = LG_K  # the hand-written sketch's precision, kept in its blobs' second byte
REGISTERS = 1 << PRECISION  # register bytes of a hand-written sketch
SKETCH_TYPE = datasketches.HLL_4  # half of HLL_8's size, measured as fast (bench/hll.py)
SKETCH_FROM = 1_000
EXACT_LIMIT = 20_000
UNION_EXACT_LIMIT = 50_000

EXACT = b"E"
BOTH = b"D"
SKETCH = b"S"
LEGACY_BOTH = b"B"
LEGACY_SKETCH = b"H"

_LITTLE = sys.byteorder == "little"
_LENGTH = struct.Struct("<I")
_POWERS = [2.0**-rank for rank in range(66)]
# DataSketches' serialised HLL_8 sketch in HLL mode (its cross-language format): preamble ints,
# serial version, family (7 = HLL), lg_k, lg_arr, flags (8 compact | 16 out of order: no HIP
# estimate, use the composite one), current minimum, mode (HLL = 2 | HLL_8 = 2 << 2)
_IMAGE_HEAD = bytes([10, 1, 7, LG_K, 0, 8 | 16, 0, 2 | 2 << 2])
_IMAGE_TAIL = struct.Struct("<dddii")  # HIP accumulator, kxq0, kxq1, zeros, aux count

# a blob as the database drivers hand it out (psycopg2: memoryview) or as we write it
Blob: TypeAlias = bytes | bytearray | memoryview


def _hash_array(data: Blob) -> array[int]:
    hashes = array("q")
    hashes.frombytes(data)
    if not _LITTLE:  # pragma: no cover - the blobs are little-endian everywhere
        hashes.byteswap()
    return hashes


def _packed(hashes: Iterable[int]) -> bytes:
    packed = array("q", sorted(hashes))
    if not _LITTLE:  # pragma: no cover
        packed.byteswap()
    return packed.tobytes()


def sketch(hashes: Iterable[int]) -> bytes:
    """The compact serialised DataSketches HLL sketch of ``hashes``."""
    result = datasketches.hll_sketch(LG_K, SKETCH_TYPE)
    update = result.update
    for value in hashes:
        update(value)
    serialised: bytes = result.serialize_compact()
    return serialised


def encode(
    hashes: set[int], exact_limit: int = EXACT_LIMIT, sketch_from: int = SKETCH_FROM
) -> bytes:
    """A day's blob of ``hashes`` (see the module docstring)."""
    if len(hashes) <= min(sketch_from, exact_limit):
        return EXACT + _packed(hashes)
    sketched = sketch(hashes)
    if len(hashes) <= exact_limit:
        return BOTH + _LENGTH.pack(len(sketched)) + sketched + _packed(hashes)
    return SKETCH + sketched


def _hashes_offset(data: memoryview) -> int | None:
    """Where the sorted hashes of a blob start; None for a sketch without hashes."""
    kind = data[:1].tobytes()
    if kind == EXACT:
        return 1
    if kind == BOTH:
        length: int = _LENGTH.unpack_from(data, 1)[0]
        return 5 + length
    if kind == LEGACY_BOTH:
        return 2 + REGISTERS
    return None


def _legacy_image(data: memoryview) -> bytes:
    """A ``b"H"``/``b"B"`` blob's registers as a DataSketches HLL_8 sketch image."""
    if data[1] != PRECISION:
        raise ValueError("a visitor sketch of another precision")
    registers = data[2 : 2 + REGISTERS].tobytes()
    low = sum(_POWERS[rank] for rank in registers if rank < 32)
    high = sum(_POWERS[rank] for rank in registers if rank >= 32)
    tail = _IMAGE_TAIL.pack(0.0, low, high, registers.count(0), 0)
    return _IMAGE_HEAD + tail + registers


def _sketch_part(data: memoryview) -> datasketches.hll_sketch:
    kind = data[:1].tobytes()
    if kind == SKETCH:
        return datasketches.hll_sketch.deserialize(data[1:].tobytes())
    if kind == BOTH:
        return datasketches.hll_sketch.deserialize(data[5 : _hashes_offset(data)].tobytes())
    if kind == LEGACY_SKETCH:
        return datasketches.hll_sketch.deserialize(_legacy_image(data))
    raise ValueError(f"not a visitor sketch: {kind!r}")


def _compact(one: datasketches.hll_sketch) -> bytes:
    union = datasketches.hll_union(LG_K)
    union.update(one)
    serialised: bytes = union.get_result(SKETCH_TYPE).serialize_compact()
    return serialised


def sketch_only(blob: Blob) -> bytes:
    """The blob without its visitor hashes: only the sketch, which names nobody."""
    data = memoryview(blob).cast("B")
    if not len(data) or data[:1] == SKETCH:
        return bytes(data)
    offset = _hashes_offset(data)
    if offset is None:  # a hand-written sketch: convert it
        return SKETCH + _compact(_sketch_part(data))
    if data[:1] == BOTH:
        return SKETCH + data[5:offset].tobytes()
    return SKETCH + sketch(_hash_array(data[offset:]))


def upgrade(blob: Blob) -> bytes | None:
    """A blob of the hand-written sketch in today's format; None when it is one already.

    ``b"B"`` becomes ``b"D"`` (its sketch rebuilt from its hashes: nothing lost); ``b"H"``
    becomes ``b"S"`` holding its old registers (see the module docstring for what that means).
    """
    data = memoryview(blob).cast("B")
    kind = data[:1].tobytes()
    if kind == LEGACY_BOTH:
        hashes = _hash_array(data[2 + REGISTERS :])
        sketched = sketch(hashes)
        return BOTH + _LENGTH.pack(len(sketched)) + sketched + data[2 + REGISTERS :].tobytes()
    if kind == LEGACY_SKETCH:
        return SKETCH + _compact(_sketch_part(data))
    return None


def without(blob: Blob, hashes: set[int]) -> bytes | None:
    """The blob with ``hashes`` taken out of its exact part; None when none of them is in it.

    A sketch cannot forget anyone, and names nobody: it stays as it is.
    """
    data = memoryview(blob).cast("B")
    offset = _hashes_offset(data) if len(data) else None
    if offset is None:
        return None
    present = set(_hash_array(data[offset:]))
    if present.isdisjoint(hashes):
        return None
    return data[:offset].tobytes() + _packed(present - hashes)


class VisitorUnion:
    """The union of day blobs and loose hashes: exact, or a sketch once ``exact`` is off."""

    def __init__(self, exact: bool = True) -> None:
        self.exact: set[int] | None = set() if exact else None
        self._union = datasketches.hll_union(LG_K)

    def add_hashes(self, hashes: Iterable[int]) -> None:
        if self.exact is not None:
            self.exact.update(hashes)
            return
        update = self._union.update
        for value in hashes:
            update(value)

    def _to_sketch(self) -> None:
        if self.exact is not None:
            exact, self.exact = self.exact, None
            self.add_hashes(exact)

    def add_blob(self, blob: Blob) -> None:
        data = memoryview(blob).cast("B")  # psycopg2 hands bytea out as format "c"
        if not len(data):
            return
        kind = data[:1].tobytes()
        offset = _hashes_offset(data)
        # the old registers hash visitors differently: take the exact hashes of a b"B" blob
        if offset is not None and (self.exact is not None or kind != BOTH):
            self.add_hashes(_hash_array(data[offset:]))
            return
        self._to_sketch()
        self._union.update(_sketch_part(data))

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def __len__(self) -> int:
        if self.exact is not None:
            return len(self.exact)
        estimate: float = self._union.get_estimate()
        return round(estimate)
