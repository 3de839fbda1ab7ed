"""The one address rule (winlas_site.addresses): what is accepted, what is one mailbox."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winlas_site import addresses
from winlas_site.addresses import LOOKALIKE, SYNTAX, InvalidAddress, canonical, normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("anna.berg@exempel.se", "anna.berg@exempel.se"),
        ("  Anna.BERG@Exempel.SE ", "anna.berg@exempel.se"),  # case and surrounding space
        ("anna@Åkersberga.se", "anna@åkersberga.se"),  # a Unicode domain stays Unicode
        ("Anna@XN--KERSBERGA-42A.SE", "anna@åkersberga.se"),  # its punycode form is the same
        ("anna+kurs@exempel.se", "anna+kurs@exempel.se"),  # +tags are kept: another address
        ("åsa@skola.se", "åsa@skola.se"),  # Swedish letters are ordinary letters
        ("a\u030asa@skola.se", "åsa@skola.se"),  # å typed as a + combining ring: the same
        ("søren.æbelø@kommune.dk", "søren.æbelø@kommune.dk"),
        ("ivan@пример.рф", "ivan@пример.рф"),  # a domain in one script, even not Latin
    ],
)
def test_accepted_addresses_have_one_stored_form_which_lookups_find(typed, stored):
    assert canonical(typed) == stored
    assert normalise(typed) == stored  # a lookup by what was typed finds the stored row


@pytest.mark.parametrize(
    "look_alike",
    [
        "ｂｉｂｌｉｏｔｅｋａｒｉｅ@exempelkommun.se",  # fullwidth letters
        "bibliotekarie@ｅｘｅｍｐｅｌｋｏｍｍｕｎ.ｓｅ",  # a fullwidth domain
        "bibliotek\u0430rie@exempelkommun.se",  # a Cyrillic а among Latin letters
        "\u0430\u0440\u0435@exempelkommun.se",  # Cyrillic only, looks like "ape"
        "b\u0131bliotekarie@exempelkommun.se",  # dotless ı
        "bibliotek\u0251rie@exempelkommun.se",  # Latin alpha ɑ
        "bibliotekarie@exempelk\u043emmun.se",  # a Cyrillic о in the domain
        "ivan@пример.com",  # a Cyrillic label beside a Latin one
        "ﬁlip@exempel.se",  # the ligature ﬁ
        "anna\u00b2@exempel.se",  # a superscript two
    ],
)
def test_look_alikes_are_refused_as_look_alikes(look_alike):
    with pytest.raises(InvalidAddress) as refused:
        canonical(look_alike)
    assert refused.value.reason == LOOKALIKE


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "inte-en-adress",
        "anna@exempel.test",  # special-use domains: no mail reaches them
        "anna@localhost",
        "a@b.se\r\nBcc: x@evil.example",
        "kund\x00@exempel.se",
        "' OR 1=1--",
        '"><svg onload=1>@exempel.se',
        "anna@@exempel.se",
        "a" * 250 + "@exempel.se",
    ],
)
def test_malformed_addresses_are_refused_as_syntax(bad):
    with pytest.raises(InvalidAddress) as refused:
        canonical(bad)
    assert refused.value.reason == SYNTAX


def test_a_refused_address_is_a_value_error_for_callers_that_catch_those():
    assert issubclass(InvalidAddress, ValueError)
    assert not addresses.is_valid("ｋｕｎｄ@exempel.se") and addresses.is_valid("kund@exempel.se")


def test_a_fullwidth_variant_shares_the_lookup_key_of_the_address_it_imitates():
    # lookups and throttles (lockout, rate limits) treat it as the real mailbox; no door stores it
    assert normalise("ｋｕｎｄ@ｅｘｅｍｐｅｌ.ｓｅ") == "kund@exempel.se"
    assert normalise("k\u0443nd@exempel.se") != "kund@exempel.se"  # a Cyrillic у never does


@pytest.mark.parametrize("value", [None, 42, b"kund@exempel.se"])
def test_a_value_that_is_not_text_is_refused_and_has_an_empty_key(value):
    with pytest.raises(InvalidAddress):
        canonical(value)
    assert normalise(value) == ""


@given(st.text(max_size=80))
def test_any_text_either_is_refused_or_is_its_own_lookup_key(text):
    # never an exception other than InvalidAddress, and every stored form is a fixed point of
    # the lookup key, so a lookup always finds what a door stored
    try:
        stored = canonical(text)
    except InvalidAddress:
        normalise(text)  # lookups never raise
        return
    assert normalise(text) == stored == canonical(stored) == normalise(stored)


@given(
    st.from_regex(r"[a-z0-9._+-]{1,20}@[a-z0-9-]{1,20}\.(se|com|org)", fullmatch=True).filter(
        lambda a: addresses.is_valid(a)
    )
)
def test_upper_case_is_the_same_address(address):
    assert canonical(address.upper()) == canonical(address)


def test_organisation_domains_match_the_domain_and_its_subdomains():
    from winlas_site.auth.models import Organisation

    customer = Organisation(mail_domains="Exempelkommun.se\n\n åkersberga.se \n")
    assert customer.owns_address("anna@exempelkommun.se")
    assert customer.owns_address("anna@skola.exempelkommun.se")
    assert customer.owns_address("anna@xn--kersberga-42a.se")
    assert not customer.owns_address("anna@exempelkommun.se.evil.example")
    assert not customer.owns_address("anna@evilexempelkommun.se")
    assert not customer.owns_address("inte-en-adress")
    assert not Organisation(mail_domains="").owns_address("anna@exempelkommun.se")
