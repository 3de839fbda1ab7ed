"""Writes small GeoIP2-City-compatible .mmdb files for the geo tests.

The records follow the GeoIP2 City layout so ``geoip2.database.Reader.city()`` reads them exactly
like MaxMind's own files; the networks are documentation/test ranges plus MaxMind's test
addresses, so no real visitor is described.
"""

from __future__ import annotations

import os
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def _record(
    country: tuple[str, str],
    subdivision: tuple[str, str] | None = None,
    city: str | None = None,
) -> dict[str, Any]:
    """One GeoIP2 City record: (iso_code, English name) country, optional subdivision and city."""
    record: dict[str, Any] = {"country": {"iso_code": country[0], "names": {"en": country[1]}}}
    if subdivision is not None:
        record["subdivisions"] = [{"iso_code": subdivision[0], "names": {"en": subdivision[1]}}]
    if city is not None:
        record["city"] = {"names": {"en": city}}
    return record


# network -> record; the test module asserts exact lookups against these.
TEST_NETWORKS: dict[str, dict[str, Any]] = {
    "81.2.69.0/24": _record(("SE", "Sweden"), ("AB", "Stockholm County"), "Stockholm"),
    "89.160.20.0/24": _record(("SE", "Sweden"), ("M", "Skåne County"), "Malmö"),
    "2001:db8:1::/48": _record(("NO", "Norway"), ("03", "Oslo"), "Oslo"),
    "203.0.113.0/24": _record(("DE", "Germany")),
}


def write_test_mmdb(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """Write the small test City database to ``path`` and return ``path``."""
    # database_type must contain "City" or geoip2's Reader.city() refuses the file.
    # ipv4_compatible=True: mmdb-writer otherwise rejects IPv4 networks in an IPv6 tree; it
    # stores them under ::/96, which is where MaxMind readers look IPv4 addresses up.
    writer = MMDBWriter(
        ip_version=6,
        database_type="GeoIP2-City",
        languages=["en"],
        description="WinLas test data",
        ipv4_compatible=True,
    )
    for network, record in TEST_NETWORKS.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(os.fspath(path))
    return path


def write_broken_mmdb(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """Write bytes that are not a MaxMind database to ``path`` and return ``path``."""
    with open(path, "wb") as handle:
        handle.write(b"\x00\xffnot a maxmind db\x13\x37" * 64)
    return path
