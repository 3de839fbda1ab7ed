"""Unit tests for analytics.geo: exact lookups in a small test database, and graceful failure."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from analytics.geo import UNKNOWN, GeoIP, Location, default_database_path
from tests.geoip import write_broken_mmdb, write_test_mmdb


@pytest.fixture
def geo(tmp_path: Path) -> Iterator[GeoIP]:
    database = GeoIP(write_test_mmdb(tmp_path / "test-city.mmdb"))
    yield database
    database.close()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "analytics.geo" and record.levelno == logging.WARNING
    ]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("81.2.69.160", Location("SE", "AB", "Stockholm")),
        ("81.2.69.0", Location("SE", "AB", "Stockholm")),
        ("89.160.20.112", Location("SE", "M", "Malmö")),
        ("2001:db8:1::7", Location("NO", "03", "Oslo")),
        ("2001:db8:1:ffff::1", Location("NO", "03", "Oslo")),
        ("203.0.113.9", Location("DE", "", "")),
        # an IPv4 visitor seen through a dual-stack socket
        ("::ffff:81.2.69.160", Location("SE", "AB", "Stockholm")),
        (" 89.160.20.112 ", Location("SE", "M", "Malmö")),
    ],
)
def test_lookup_is_exact(geo: GeoIP, address: str, expected: Location) -> None:
    assert geo.lookup(address) == expected


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",  # public, but not in the test data
        "81.2.70.1",
        "2001:db8:2::1",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "0.1.2.3",
        "224.0.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1%eth0",
        "::ffff:10.1.2.3",
        "not an ip",
        "",
        "81.2.69",
        "81.2.69.160/24",
        "x" * 10_000,
    ],
)
def test_lookup_unknown(geo: GeoIP, address: str) -> None:
    assert geo.lookup(address) == UNKNOWN


def test_lookup_of_a_non_string_is_unknown(geo: GeoIP) -> None:
    assert geo.lookup(None) == UNKNOWN  # type: ignore[arg-type]


def test_unknown_is_empty() -> None:
    assert UNKNOWN == Location() == Location("", "", "")


def test_location_is_frozen() -> None:
    with pytest.raises(AttributeError):
        UNKNOWN.country = "SE"  # type: ignore[misc]


def test_lookups_are_cached_on_the_canonical_address(geo: GeoIP) -> None:
    assert geo.available
    geo.lookup("81.2.69.160")
    geo.lookup("::ffff:81.2.69.160")
    geo.lookup("81.2.69.160")
    info = geo._cached_lookup.cache_info()  # the database was read once for both spellings
    assert (info.hits, info.misses, info.maxsize) == (1, 1, 8192)
    assert geo.lookup.cache_info().hits == 1  # the repeat did not even parse the address


def test_close_forgets_and_answers_unknown(geo: GeoIP) -> None:
    assert geo.lookup("81.2.69.160") == Location("SE", "AB", "Stockholm")
    geo.close()
    assert not geo.available
    assert geo.lookup("81.2.69.160") == UNKNOWN
    assert geo._cached_lookup.cache_info().currsize == 0
    geo.close()  # a second close is harmless


def test_context_manager_closes(tmp_path: Path) -> None:
    with GeoIP(write_test_mmdb(tmp_path / "test-city.mmdb")) as geo:
        assert geo.lookup("89.160.20.112").city == "Malmö"
    assert not geo.available


def test_missing_file_logs_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="analytics.geo")
    geo = GeoIP(tmp_path / "no-such.mmdb")
    assert not geo.available
    for address in ("81.2.69.160", "89.160.20.112", "2001:db8:1::7", "8.8.8.8"):
        assert geo.lookup(address) == UNKNOWN
    geo.close()
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert "no-such.mmdb" in warnings[0].getMessage()


def _write_empty(path: Path) -> None:
    path.write_bytes(b"")  # mmap refuses an empty file


def _write_directory(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize(
    "write", [write_broken_mmdb, _write_empty, _write_directory], ids=["garbage", "empty", "dir"]
)
def test_broken_file_logs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, write: Callable[[Path], object]
) -> None:
    caplog.set_level(logging.WARNING, logger="analytics.geo")
    path = tmp_path / "broken.mmdb"
    write(path)
    geo = GeoIP(path)
    assert geo.lookup("81.2.69.160") == UNKNOWN
    geo.close()
    assert len(_warnings(caplog)) == 1


def test_a_database_that_is_not_a_city_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="analytics.geo")
    writer = MMDBWriter(ip_version=4, database_type="GeoIP2-ASN", languages=["en"], description="x")
    writer.insert_network(IPSet(["81.2.69.0/24"]), {"autonomous_system_number": 1})
    path = tmp_path / "asn.mmdb"
    writer.to_db_file(os.fspath(path))
    geo = GeoIP(path)
    assert geo.lookup("81.2.69.160") == UNKNOWN
    geo.close()
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "GeoIP2-ASN" in warnings[0].getMessage()


def test_bundled_geolite2_database(caplog: pytest.LogCaptureFixture) -> None:
    # No skip: the site depends on maxminddb-geolite2, so a missing file is a failure.
    path = default_database_path()
    assert path is not None and os.path.isfile(path), path
    caplog.set_level(logging.WARNING, logger="analytics.geo")
    geo = GeoIP()
    try:
        assert geo.available
        assert geo.path == path
        # MaxMind's own test address; in the bundled (2018) GeoLite2 data it is in London.
        assert geo.lookup("81.2.69.160").country == "GB"
        # Google's public resolvers are in the US in every GeoLite2 edition.
        assert geo.lookup("8.8.8.8").country == "US"
        assert geo.lookup("2001:4860:4860::8888").country == "US"
        assert geo.lookup("10.1.2.3") == UNKNOWN
    finally:
        geo.close()
    assert _warnings(caplog) == []
