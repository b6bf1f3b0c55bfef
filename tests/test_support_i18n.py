"""The form's catalogs: every message translated in every language, and used."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import deflect

TRANSLATIONS = Path(deflect.__file__).with_name("translations")


def read(path: Path):
    with path.open("rb") as stream:
        return read_po(stream)


def catalog(lang: str):
    return read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")


@pytest.mark.parametrize("lang", ["de", "fr", "it", "es"])
def test_every_message_is_translated(lang):
    template = {message.id for message in read(TRANSLATIONS / "messages.pot") if message.id}
    translated = catalog(lang)
    assert not translated.fuzzy
    found = {message.id for message in translated if message.id}
    assert template <= found, f"missing in {lang}: {sorted(template - found)[:5]}"
    for message in translated:
        if message.id:
            assert message.string and message.string.strip(), f"{lang}: empty msgstr for {message.id!r}"
            assert "fuzzy" not in message.flags, f"{lang}: fuzzy {message.id!r}"
            for placeholder in ("%(name)s", "%(count)d", "%(size)d", "%(types)s", "%(number)s", "%(email)s",
                                "%(date)s"):
                assert (placeholder in message.id) == (placeholder in message.string), (lang, message.id)


def test_the_template_holds_every_message_of_the_code(tmp_path):
    from babel.messages.frontend import CommandLineInterface

    project = Path(deflect.__file__).resolve().parents[2]
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(project / "babel.cfg"), "-k", "_l",
                                "-k", "lazy_gettext", "--no-location", "-o", str(fresh), str(project)])
    extracted = {message.id for message in read(fresh) if message.id}
    kept = {message.id for message in read(TRANSLATIONS / "messages.pot") if message.id}
    assert extracted == kept, f"run pybabel extract/update: new {sorted(extracted - kept)[:5]}"


@pytest.mark.parametrize(("lang", "words"), [
    ("de", "Fall eröffnen"), ("fr", "Ouvrir un cas"), ("it", "Aprire un caso"), ("es", "Abrir un caso"),
    ("en", "Open a case"),
])
def test_the_case_form_speaks_each_language(client, lang, words):
    page = client.get(f"/support/new/case?lang={lang}")
    assert f'<html lang="{lang}">' in page.text and words in page.text


@pytest.mark.parametrize("lang, size, expected", [
    ("en", 11, "11 bytes"),
    ("fr", 11, "11 octets"),
    ("fr", 3481, "3,4 Ko"),
    ("de", 5 * 1024 * 1024, "5 MB"),
    ("es", 1536, "1,5 KB"),
])
def test_file_sizes_are_written_in_the_customer_language(app, lang, size, expected):
    from deflect.i18n import format_file_size

    with app.test_request_context(f"/support/new?lang={lang}"):
        assert format_file_size(size) == expected
