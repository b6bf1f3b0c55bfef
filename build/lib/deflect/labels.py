"""The shared vocabulary: labels declared once per language in ``vocabulary/labels.yml``.

Severity names and their one-liners, status names, request types, escalation
states, action labels, the survey question and the escalation keyword are
written once, as ``group → label → language``, and read from here by the
help center (placeholders such as ``{{ label.status.pending_customer }}``),
the form, the case pages and the e-mails, so a customer meets one word for
one thing.

>>> labels = Labels.from_mapping(
...     {"status": {"open": {"en": "Open", "fr": "Ouvert"}}}, languages=("en", "fr"))
>>> labels.get("status", "open", "fr")
'Ouvert'
>>> labels.for_language("en")
{'status': {'open': 'Open'}}
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

#: Where a help center keeps its labels, relative to the folder of its mkdocs.yml.
LABELS_FILE = Path("vocabulary") / "labels.yml"


class LabelsError(ValueError):
    """The labels file cannot be used as written: the message names the label and the language."""


@dataclass(frozen=True)
class Labels:
    """Every label in every language: ``get(group, key, lang)``, or one language as a nested dict."""

    languages: tuple[str, ...]
    #: (group, key) → language → text, in the file's order.
    table: Mapping[tuple[str, str], Mapping[str, str]]

    @classmethod
    def from_mapping(cls, data: Any, languages: Iterable[str] | None = None, source: str = "labels") -> Labels:
        """Validate ``group → label → language → text`` and return it.

        ``languages``: those every label must have (the help center's); by
        default the languages of the first label.

        >>> Labels.from_mapping({"status": {"open": {"en": "Open"}}}, languages=("en", "de"))
        Traceback (most recent call last):
        ...
        deflect.labels.LabelsError: labels: status.open has no de
        """
        if not isinstance(data, Mapping) or not data:
            raise LabelsError(f"{source}: expected groups of labels (group → label → language)")
        wanted = tuple(languages) if languages is not None else None
        table: dict[tuple[str, str], dict[str, str]] = {}
        for group, entries in data.items():
            if not isinstance(entries, Mapping) or not entries:
                raise LabelsError(f"{source}: group {group} must hold labels (label → language → text)")
            for key, texts in entries.items():
                name = f"{group}.{key}"
                if not isinstance(texts, Mapping):
                    raise LabelsError(f"{source}: {name} must map each language to its text")
                if wanted is None:
                    wanted = tuple(texts)
                for lang in wanted:
                    text = texts.get(lang)
                    if text is None:
                        raise LabelsError(f"{source}: {name} has no {lang}")
                    if not isinstance(text, str) or not text.strip():
                        raise LabelsError(f"{source}: {name} in {lang} must be a non-empty text")
                extra = sorted(set(texts) - set(wanted))
                if extra:
                    raise LabelsError(f"{source}: {name} has {', '.join(map(str, extra))}, "
                                      f"not a language of the help center ({', '.join(wanted)})")
                table[(str(group), str(key))] = {lang: texts[lang].strip() for lang in wanted}
        return cls(languages=wanted or (), table=table)

    def get(self, group: str, key: str, lang: str) -> str:
        """Return one label in ``lang``.

        >>> Labels(("en",), {("action", "nudge"): {"en": "Nudge"}}).get("action", "nudge", "en")
        'Nudge'
        """
        try:
            texts = self.table[(group, key)]
        except KeyError:
            raise LabelsError(f"no label {group}.{key}") from None
        if lang not in texts:
            raise LabelsError(f"label {group}.{key} has no language {lang}")
        return texts[lang]

    def for_language(self, lang: str) -> dict[str, dict[str, str]]:
        """Return every label in ``lang`` as ``{group: {key: text}}`` (templates, placeholders)."""
        if lang not in self.languages:
            raise LabelsError(f"no labels in {lang} (the labels have {', '.join(self.languages)})")
        nested: dict[str, dict[str, str]] = {}
        for (group, key), texts in self.table.items():
            nested.setdefault(group, {})[key] = texts[lang]
        return nested


def load_labels(path: Path | str, languages: Iterable[str] | None = None) -> Labels:
    """Read and validate a labels file (``vocabulary/labels.yml``).

    ``languages``: those every label must have, normally the help center's
    (``HelpCenter.languages``); a label without one of them, or with a
    language the help center does not have, is an error naming both.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LabelsError(f"{path}: not valid YAML: {exc}") from exc
    return Labels.from_mapping(data, languages, source=str(path))
