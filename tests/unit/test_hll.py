"""Visitor sets (analytics.hll): exact small sets, DataSketches sketches, old blobs still read."""

import random
import struct

import pytest

from analytics import hll
from analytics.reports import visitor_hash

OLD_SHIFT = 64 - hll.PRECISION


def old_blob(hashes: set[int], with_hashes: bool = False) -> bytes:
    """A blob as the hand-written HyperLogLog wrote it (b"H", or b"B" with the hashes)."""
    registers = bytearray(hll.REGISTERS)
    for value in hashes:
        value &= (1 << 64) - 1
        index = value >> OLD_SHIFT
        rank = OLD_SHIFT - (value & ((1 << OLD_SHIFT) - 1)).bit_length() + 1
        registers[index] = max(registers[index], rank)
    head = bytes([hll.PRECISION]) + bytes(registers)
    if with_hashes:
        return b"B" + head + struct.pack(f"<{len(hashes)}q", *sorted(hashes))
    return b"H" + head


def random_visitors(rng: random.Random, count: int) -> set[int]:
    return {rng.getrandbits(64) - 2**63 for _ in range(count)}


def test_small_visitor_sets_are_exact_and_unions_count_each_visitor_once():
    monday = {visitor_hash(f"v{n}") for n in range(100)}
    tuesday = {visitor_hash(f"v{n}") for n in range(50, 180)}
    union = hll.VisitorUnion()
    union.add_blob(hll.encode(monday))
    union.add_blob(hll.encode(tuesday))
    union.add_hashes([visitor_hash("v179"), visitor_hash("new")])
    assert len(union) == 181
    assert union.exact == monday | tuesday | {visitor_hash("new")}


def test_blobs_by_size_exact_both_or_sketch():
    small = {visitor_hash(f"v{n}") for n in range(10)}
    assert hll.encode(small).startswith(hll.EXACT)
    assert hll.encode(small, sketch_from=5).startswith(hll.BOTH)
    assert hll.encode(small, exact_limit=5).startswith(hll.SKETCH)
    for blob in (hll.encode(small), hll.encode(small, sketch_from=5)):
        union = hll.VisitorUnion()
        union.add_blob(blob)
        assert union.is_exact and union.exact == small


def test_large_unions_merge_sketches_within_two_percent():
    rng = random.Random(5)
    days = [random_visitors(rng, 3000) for _ in range(4)]
    days[1] |= set(list(days[0])[:1000])  # visitors who came back
    truth = set().union(*days)
    for exact in (True, False):
        union = hll.VisitorUnion(exact=exact)
        union.add_blob(hll.encode(days[0], exact_limit=10))  # a sketch only …
        union.add_blob(hll.encode(days[1]))  # … with sketch and hashes
        union.add_blob(hll.encode(days[2], sketch_from=5000))  # … with hashes only
        union.add_hashes(days[3])  # … and loose hashes (the raw tail)
        assert not union.is_exact
        assert abs(len(union) - len(truth)) <= 0.02 * len(truth)
    small = hll.VisitorUnion(exact=False)
    small.add_blob(hll.encode({visitor_hash(str(n)) for n in range(100)}))
    assert abs(len(small) - 100) <= 3


@pytest.mark.parametrize("distinct", [10_000, 100_000, 1_000_000])
def test_sketch_unions_stay_within_three_standard_errors(distinct):
    # lg_k 14 has a standard error of 1.04 / 128 = 0.81 %; seeded, so the outcome is fixed
    rng = random.Random(distinct)
    days: list[set[int]] = [set() for _ in range(10)]
    for visitor in random_visitors(rng, distinct):
        days[rng.randrange(10)].add(visitor)
        if rng.random() < 0.3:  # came back another day
            days[rng.randrange(10)].add(visitor)
    union = hll.VisitorUnion(exact=False)
    for day in days:
        union.add_blob(hll.encode(day, exact_limit=0))
    assert abs(len(union) / distinct - 1) <= 3 * 0.0081


def test_sketch_only_and_without_drop_the_hashes():
    visitors = {visitor_hash(f"v{n}") for n in range(50)}
    for blob in (hll.encode(visitors), hll.encode(visitors, sketch_from=5)):
        anonymous = hll.sketch_only(blob)
        assert anonymous.startswith(hll.SKETCH) and hll.without(anonymous, visitors) is None
        union = hll.VisitorUnion()
        union.add_blob(anonymous)
        assert not union.is_exact and abs(len(union) - 50) <= 1
        gone = {visitor_hash("v0"), visitor_hash("elsewhere")}
        smaller = hll.without(blob, gone)
        assert smaller[:1] == blob[:1]
        union = hll.VisitorUnion()
        union.add_blob(smaller)
        assert union.exact == visitors - gone
        assert hll.without(smaller, gone) is None


def test_blobs_read_from_memoryviews_as_postgresql_hands_them_out():
    visitors = random_visitors(random.Random(2), 2000)
    union = hll.VisitorUnion(exact=False)
    union.add_blob(memoryview(hll.encode(visitors)))
    union.add_blob(memoryview(hll.sketch_only(hll.encode(visitors))))
    assert abs(len(union) - 2000) <= 0.02 * 2000


def test_old_blobs_are_still_counted():
    rng = random.Random(7)
    visitors = random_visitors(rng, 5000)
    both, sketch_only = old_blob(visitors, with_hashes=True), old_blob(visitors)
    union = hll.VisitorUnion()
    union.add_blob(both)  # an old blob with hashes is exact, as before
    assert union.is_exact and union.exact == visitors
    for blob in (both, sketch_only):
        union = hll.VisitorUnion(exact=False)
        union.add_blob(blob)
        assert abs(len(union) - 5000) <= 0.03 * 5000
    # an old blob with hashes counts by its hashes in a sketch union: no double counting
    newer = random_visitors(rng, 3000) | set(list(visitors)[:2000])
    union = hll.VisitorUnion(exact=False)
    union.add_blob(both)
    union.add_blob(hll.encode(newer, exact_limit=0))
    assert abs(len(union) - len(visitors | newer)) <= 0.03 * len(visitors | newer)
    # old sketches of different days merge with each other (same registers, same hash)
    other = set(list(visitors)[:2500]) | random_visitors(rng, 2500)
    union = hll.VisitorUnion(exact=False)
    union.add_blob(sketch_only)
    union.add_blob(old_blob(other))
    assert abs(len(union) - len(visitors | other)) <= 0.03 * len(visitors | other)
    with pytest.raises(ValueError, match="precision"):
        hll.VisitorUnion(exact=False).add_blob(b"H" + bytes([12]) + bytes(hll.REGISTERS))


def test_upgrade_rewrites_old_blobs_in_todays_format():
    visitors = random_visitors(random.Random(8), 3000)
    upgraded = hll.upgrade(old_blob(visitors, with_hashes=True))
    # nothing lost: the hashes stay, the sketch is rebuilt from them (its HIP estimate depends
    # on the order the hashes came in, so compare what it counts, not its bytes)
    assert upgraded.startswith(hll.BOTH) and len(upgraded) == len(hll.encode(visitors))
    assert upgraded.endswith(hll.encode(visitors, sketch_from=10**6)[1:])
    for exact in (True, False):
        union = hll.VisitorUnion(exact=exact)
        union.add_blob(upgraded)
        assert abs(len(union) - 3000) <= (0 if exact else 0.03 * 3000)
    upgraded = hll.upgrade(old_blob(visitors))
    assert upgraded.startswith(hll.SKETCH) and len(upgraded) < hll.REGISTERS
    union = hll.VisitorUnion()
    union.add_blob(upgraded)
    assert abs(len(union) - 3000) <= 0.03 * 3000
    assert hll.upgrade(upgraded) is None and hll.upgrade(hll.encode(visitors)) is None
    assert hll.sketch_only(old_blob(visitors)) == upgraded
    old_both = old_blob(visitors, with_hashes=True)
    rebuilt = hll.sketch_only(old_both)
    union = hll.VisitorUnion()
    union.add_blob(rebuilt)
    assert rebuilt.startswith(hll.SKETCH) and abs(len(union) - 3000) <= 0.03 * 3000
    gone = set(list(visitors)[:10])
    assert hll.without(old_both, gone).startswith(b"B")
    assert hll.without(old_blob(visitors), gone) is None
