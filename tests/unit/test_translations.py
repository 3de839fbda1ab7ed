"""The English catalogue is complete and in step with the text in the code."""

import re
import subprocess
import sys

from babel.messages.pofile import read_po

from winlas_site.config import PROJECT_ROOT

PO = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    messages = [m for m in catalogue() if m.id]
    assert len(messages) > 100
    for message in messages:
        # plural messages carry tuples: (singular, plural) ids and one string per form.
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), ids
        assert "fuzzy" not in message.flags, ids
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, ids


def test_the_catalogue_holds_every_message_in_the_templates_and_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(PROJECT_ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(pot),
            str(PROJECT_ROOT),
        ],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    translated = {m.id for m in catalogue() if m.id}
    assert extracted - translated == set(), "run `make extract-messages` and translate"
    assert translated - extracted == set(), "stale messages: run `make extract-messages`"
