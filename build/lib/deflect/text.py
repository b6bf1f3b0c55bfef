"""Text from outside, made storable: what a person typed, as both stores can keep it.

PostgreSQL refuses a NUL character in text, and no store keeps a lone UTF-16
surrogate (``\\ud800``, which JSON allows): either turned a customer's
message into an error on every resend. Every text that enters the service
(form fields, JSON bodies, e-mails, lifecycle messages) goes through
:func:`clean_text` at the edge.
"""
from __future__ import annotations

import unicodedata

#: Control characters a person may mean: tab and line breaks.
KEPT_CONTROLS = frozenset("\t\n\r")


def clean_text(value: str) -> str:
    """Return ``value`` without NUL and other control characters (tabs and line breaks stay) and lone surrogates.

    >>> clean_text("a\\x00b\\tc\\ud800d\\n")
    'ab\\tcd\\n'
    """
    return "".join(ch for ch in value
                   if ch in KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs"))
