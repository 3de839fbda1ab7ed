"""Pure functions of the security module: redirect targets and the real client address."""

import pytest

from winlas_site.security import TrustedProxies, is_safe_redirect


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/kundsidor",
        "/nyheter?typ=news",
        "/produkter/winlas-bibliotek#funktioner",
        "/%2F%2Fevil.example",  # percent-encoded: a path on our own site
    ],
)
def test_same_site_paths_are_safe(target):
    assert is_safe_redirect(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "\t/kundsidor",
        "\n//evil.example",
        " /kundsidor",
        "/kund\x00sidor",
        "http:/evil.example",
        "evil.example",
        "/" + "a" * 3000,
    ],
)
def test_foreign_or_odd_targets_are_unsafe(target):
    assert not is_safe_redirect(target)


def ok(environ, start_response):
    start_response("200 OK", [])
    return [environ["REMOTE_ADDR"].encode(), b" ", environ["wsgi.url_scheme"].encode()]


def call(app, remote, forwarded="", proto=""):
    environ = {
        "REMOTE_ADDR": remote,
        "HTTP_X_FORWARDED_FOR": forwarded,
        "HTTP_X_FORWARDED_PROTO": proto,
        "wsgi.url_scheme": "http",
    }
    return b"".join(app(environ, lambda status, headers: None)).decode()


def test_forwarded_for_is_ignored_from_an_untrusted_peer():
    app = TrustedProxies(ok, ["10.0.0.0/8"])
    assert call(app, "198.51.100.7", "1.2.3.4", "https") == "198.51.100.7 http"


def test_the_client_behind_a_trusted_proxy_is_used():
    app = TrustedProxies(ok, ["10.0.0.0/8"])
    assert call(app, "10.0.0.2", "198.51.100.7", "https") == "198.51.100.7 https"


def test_a_client_cannot_prepend_its_own_address():
    # the client sends "X-Forwarded-For: 1.2.3.4"; our proxy appends the real peer.
    app = TrustedProxies(ok, ["10.0.0.0/8"])
    assert call(app, "10.0.0.2", "1.2.3.4, 198.51.100.7") == "198.51.100.7 http"


def test_chains_of_trusted_proxies_are_walked():
    app = TrustedProxies(ok, ["10.0.0.0/8", "2001:db8::/32"])
    assert (
        call(app, "10.0.0.2", "1.2.3.4, 2001:db8::9, 203.0.113.5, 10.1.1.1") == "203.0.113.5 http"
    )


def test_garbage_in_forwarded_for_falls_back_to_the_peer():
    app = TrustedProxies(ok, ["127.0.0.1"])
    assert call(app, "127.0.0.1", "not-an-ip") == "127.0.0.1 http"
