"""The spool line's JSON (analytics/line.py): orjson where it can, the standard library where
orjson is stricter, so that no accepted value is ever refused on its way to the spool."""

import json

import pytest

from analytics import line


@pytest.mark.parametrize(
    "value",
    [
        {"path": "/sv/åäö", "n": 1},
        {"label": "\ud800 lone surrogate"},  # orjson refuses to encode it
        {"ts": 2**70},  # past 64 bits: orjson refuses it
        {"x": [None, True, 1.5, "\u2028"]},
    ],
)
def test_what_is_written_reads_back_the_same(value):
    text = line.dumps(value)
    assert "\n" not in text  # one spool line
    assert line.loads(text) == value
    assert json.loads(text) == value  # readable by the standard library too


def test_older_lines_written_by_json_dumps_are_still_read():
    written = json.dumps({"v": "a" * 32, "label": "\udcff", "city": "Malmö"}, separators=(",", ":"))
    assert line.loads(written) == {"v": "a" * 32, "label": "\udcff", "city": "Malmö"}


def test_a_line_neither_reader_takes_raises_the_standard_value_error():
    with pytest.raises(ValueError):
        line.loads('{"v": ')


def test_a_request_line_is_written_by_orjson_not_the_fallback(monkeypatch):
    """Its geo and agent are named tuples, which orjson refuses: written as they were, every
    line took json.dumps' slower path (found profiling the collect request, issue 15)."""

    def no_fallback(*args, **kwargs):
        raise AssertionError("json.dumps fallback used")

    request = line.RequestLine(
        1_700_000_000_000,
        "a" * 32,
        None,
        "192.0.2.0",
        line.Geo("SE", "AB", "Stockholm"),
        line.Agent("Chrome", "126", "Windows", "10", "desktop"),
        [{"id": "e1", "type": "pageview", "ts": 1, "path": "/"}],
    )
    monkeypatch.setattr(line.json, "dumps", no_fallback)
    text = request.to_json()
    assert line.RequestLine.from_dict(line.loads(text)) == request
