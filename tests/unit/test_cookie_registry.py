"""The cookie registry: complete, consistent, and versioned."""

import re

from winlas_site import cookies
from winlas_site.config import PROJECT_ROOT

# The digest of the registry at each revision. Changing a cookie, a purpose or a lifetime changes
# the digest: bump cookies.REVISION (everyone is asked again) and add the new digest here.
DIGESTS = {
    1: "a3ce8fc30a25b5a656b2e1a3b5be0f23f441e0d28260b1c916e7005336f8b15f",
}


def test_a_change_to_the_registry_comes_with_a_new_revision():
    assert cookies.registry_digest() == DIGESTS[cookies.REVISION], (
        "the cookie registry changed: bump cookies.REVISION and pin the new digest here"
    )


def test_every_entry_is_complete():
    names = [c.name for c in cookies.COOKIES]
    assert len(names) == len(set(names))
    for cookie in cookies.COOKIES:
        assert cookie.category in cookies.CATEGORIES
        assert cookie.kind in ("cookie", "localStorage", "sessionStorage")
        assert cookie.purpose_sv.strip() and cookie.purpose_en.strip()
        assert re.fullmatch(r"winlas_[a-z_]+", cookie.name)
        assert cookie.first_party


def test_the_tracker_uses_only_declared_storage_keys():
    script = PROJECT_ROOT / "analytics" / "static" / "track.js"
    keys = set(re.findall(r'"(winlas_[a-z_]+)"', script.read_text()))
    assert keys and all(cookies.declared(key) for key in keys)
