"""The one CSV rule of every export (issue 17): ``;`` between cells, the language's decimal
mark, Ja/Nej, a BOM, CRLF, formula-looking text neutralised (hostile input 12) and any text
back as it was through a ``;`` reader."""

from __future__ import annotations

import csv
import datetime
import decimal
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.csvexport import FORMULA_STARTS, cell, to_csv


def read(document: str) -> list[list[str]]:
    assert document.startswith("\ufeff")
    return list(csv.reader(io.StringIO(document[1:], newline=""), delimiter=";"))


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (0.25, "sv", "0,25"),
        (0.25, "en", "0.25"),
        (-0.6667, "sv", "-0,6667"),
        (-0.6667, "en", "-0.6667"),
        (15.0, "sv", "15,0"),
        (1e-05, "sv", "0,00001"),
        (1e16, "en", "10000000000000000"),
        (float("nan"), "sv", ""),
        (float("inf"), "en", ""),
        (decimal.Decimal("2.50"), "sv", "2,50"),
        (-3, "sv", "-3"),
        (1234567, "sv", "1234567"),
        (True, "sv", "Ja"),
        (False, "sv", "Nej"),
        (True, "en", "Yes"),
        (False, "en", "No"),
        (None, "sv", ""),
        (datetime.date(2026, 12, 3), "sv", "2026-12-03"),
        ("-2", "sv", "'-2"),
        ("=1+1", "en", "'=1+1"),
        ("2026-12-03 14:05", "sv", "2026-12-03 14:05"),
    ],
    ids=[
        "decimal-sv",
        "decimal-en",
        "negative-sv",
        "negative-en",
        "whole-float-sv",
        "tiny-plain-notation",
        "huge-plain-notation",
        "nan-empty",
        "infinity-empty",
        "decimal-type",
        "negative-int",
        "int-no-thousands",
        "true-sv",
        "false-sv",
        "true-en",
        "false-en",
        "none",
        "date",
        "negative-looking-text",
        "formula-text",
        "local-time-text",
    ],
)
def test_a_value_becomes_its_cell(value, language, expected):
    assert cell(value, language) == expected


def test_a_stored_time_is_refused_not_written_in_utc():
    with pytest.raises(TypeError):
        cell(datetime.datetime(2026, 12, 3, 13, 5), "sv")


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        to_csv(["a"], [[1.5]], language="de")


def test_the_document_has_a_bom_semicolons_crlf_and_quotes_where_needed():
    document = to_csv(
        ["key", "rate", "note"],
        [["a;b", -0.25, "rad 1\nrad 2"], ["=HYPERLINK(1)", 0.5, 'sa "hej"'], ["x", True, None]],
        language="sv",
    )
    assert document.startswith("\ufeffkey;rate;note\r\n")
    assert '"a;b";-0,25;"rad 1\nrad 2"\r\n' in document
    assert document.endswith("x;Ja;\r\n")
    assert read(document) == [
        ["key", "rate", "note"],
        ["a;b", "-0,25", "rad 1\nrad 2"],
        ["'=HYPERLINK(1)", "0,5", 'sa "hej"'],
        ["x", "Ja", ""],
    ]


def test_english_keeps_the_semicolon_and_writes_a_decimal_point():
    assert read(to_csv(["rate", "ok"], [[0.25, False]], language="en")) == [
        ["rate", "ok"],
        ["0.25", "No"],
    ]


# any text a visitor or a form can send: every plane but the surrogates (not UTF-8)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(st.lists(TEXT, min_size=1, max_size=6), st.sampled_from(["sv", "en"]))
def test_any_text_cell_round_trips_through_a_semicolon_reader(cells, language):
    (header, row) = read(to_csv(["c"] * len(cells), [cells], language=language))
    assert header == ["c"] * len(cells)
    # the only change is the neutralising quote in front of a formula-looking cell
    undone = [
        value[1:] if original.startswith(FORMULA_STARTS) else value
        for original, value in zip(cells, row, strict=True)
    ]
    assert undone == cells
    assert all(
        value.startswith("'")
        for original, value in zip(cells, row, strict=True)
        if original.startswith(FORMULA_STARTS)
    )


@given(
    st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    ),
    st.sampled_from(["sv", "en"]),
)
def test_any_number_is_a_number_never_a_neutralised_formula(number, language):
    ((text,),) = read(to_csv(["n"], [[number]], language=language))[1:]
    assert not text.startswith("'")
    back = text.replace(",", ".") if language == "sv" else text
    assert "e" not in back.lower()
    assert float(back) == number  # exactly: the shortest repr, in plain notation
