"""Country, region and city of an IP address from a MaxMind GeoIP2/GeoLite2 City database.

The lookup needs the full address, so it happens in memory, in this process, before the caller
anonymises the address; the lookup cache lives only as long as the process and is never written
anywhere. A missing or broken database is not an error for the site: the collector then stores
unknown locations, and one warning in the log says why.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any

import geoip2.database
import geoip2.errors
import maxminddb

__all__ = ["UNKNOWN", "GeoIP", "Location", "default_database_path"]

log = logging.getLogger("analytics.geo")

CACHE_SIZE = 8192
# The longest textual IPv6 address with a zone is well under this; longer input is not an address
# and must not end up as a cache key.
_MAX_ADDRESS_LENGTH = 64
_BUNDLED_PACKAGE = "_maxminddb_geolite2"
_BUNDLED_FILE = "GeoLite2-City.mmdb"

# Networks that never reach a geolocation database: private use, shared address space (carrier
# NAT), loopback, link-local, multicast, unspecified and future use. Documentation ranges
# (192.0.2.0/24, 203.0.113.0/24, 2001:db8::/32) are looked up like any address, so a test database
# can describe them; MaxMind's own files simply do not contain them.
_NOT_ROUTED = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where an address is: ISO country code, region (subdivision code or name) and city."""

    country: str = ""
    region: str = ""
    city: str = ""


UNKNOWN = Location()


def default_database_path() -> str | None:
    """Return the path of the GeoLite2-City file bundled with maxminddb-geolite2, or None."""
    try:
        database = resources.files(_BUNDLED_PACKAGE).joinpath(_BUNDLED_FILE)
    except ModuleNotFoundError:
        return None
    # The package is installed as plain files, so the resource is a real path on disk.
    return os.fspath(database) if isinstance(database, os.PathLike) else None


def _routable(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse ``address``; None when it is invalid or can have no location."""
    if not isinstance(address, str) or len(address) > _MAX_ADDRESS_LENGTH:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # A dual-stack socket reports IPv4 visitors as ::ffff:a.b.c.d; not every database
            # aliases that range to its IPv4 tree (files written by mmdb-writer do not).
            ip = ip.ipv4_mapped
        elif ip.scope_id:
            # A zone ("%eth0") only exists on link-local addresses, which have no location.
            return None
    if any(ip in network for network in _NOT_ROUTED if network.version == ip.version):
        return None
    return ip


def _location(response: Any) -> Location:
    """Build a Location from a geoip2 City response, "" for every missing part."""
    region = ""
    subdivision = next(iter(response.subdivisions), None)
    if subdivision is not None:
        region = subdivision.iso_code or subdivision.names.get("en", "")
    return Location(
        country=response.country.iso_code or "",
        region=region,
        city=response.city.names.get("en", ""),
    )


class GeoIP:
    """City lookups in one MaxMind database file, opened once; never raises on lookup."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        """Open ``path`` (None: bundled GeoLite2-City); on failure log once, answer UNKNOWN."""
        self.path = os.fspath(path) if path is not None else default_database_path()
        self._reader: geoip2.database.Reader | None = None
        # Per-instance caches: functools.lru_cache on the method would keep every GeoIP alive.
        # The outer one is keyed on the address as given (a repeat skips parsing it), the inner
        # one on its canonical form ("::ffff:81.2.69.1" and "81.2.69.1" share a database read).
        self.lookup = functools.lru_cache(maxsize=CACHE_SIZE)(self._uncached)
        self._cached_lookup = functools.lru_cache(maxsize=CACHE_SIZE)(self._lookup)
        if self.path is None:
            log.warning(
                "GeoIP database unavailable: package %s is not installed; locations will be "
                "unknown",
                _BUNDLED_PACKAGE,
            )
            return
        try:
            reader = geoip2.database.Reader(self.path, locales=["en"], mode=maxminddb.MODE_MMAP)
        except Exception as exc:  # any failure to open only costs the locations, not the site
            log.warning(
                "GeoIP database %s unavailable (%s: %s); locations will be unknown",
                self.path,
                type(exc).__name__,
                exc,
            )
            return
        database_type = reader.metadata().database_type
        if "City" not in database_type:
            # Reader.city() raises TypeError on a Country or ASN file on every lookup.
            reader.close()
            log.warning(
                "GeoIP database %s is a %s database, not a City one; locations will be unknown",
                self.path,
                database_type,
            )
            return
        self._reader = reader

    @property
    def available(self) -> bool:
        """Whether a database is open, i.e. whether lookups can answer anything but UNKNOWN."""
        return self._reader is not None

    def _uncached(self, address: str) -> Location:
        """Return the Location of ``address``, UNKNOWN if invalid, private or not in the data."""
        if self._reader is None:
            return UNKNOWN
        ip = _routable(address)
        if ip is None:
            return UNKNOWN
        return self._cached_lookup(str(ip))

    def _lookup(self, address: str) -> Location:
        """Look ``address`` up in the database, without the cache."""
        reader = self._reader
        if reader is None:
            return UNKNOWN
        try:
            return _location(reader.city(address))
        except (geoip2.errors.GeoIP2Error, maxminddb.InvalidDatabaseError, ValueError):
            # Not in the database, a corrupt record, or a reader closed by another thread.
            return UNKNOWN

    def close(self) -> None:
        """Close the database and forget cached lookups; later lookups answer UNKNOWN."""
        reader, self._reader = self._reader, None
        self._cached_lookup.cache_clear()
        self.lookup.cache_clear()
        if reader is not None:
            reader.close()

    def __enter__(self) -> GeoIP:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
