"""The deflection in progress: what a customer asked and was shown, until it ends.

A deflection starts when the customer describes their problem (step 1) and
ends in one of three ways (:data:`deflect.store.OUTCOMES`): an article helped
(``deflected``), they filed a case (``case``), or they started over
(``abandoned``). While it runs it has two parts: a small signed record in the
Flask session cookie (its key, language, product, the articles shown and
which were opened) and its text in the form's :class:`~deflect.staging.Staging`
folder (never in the cookie, so no description is too long to keep). When it
ends it becomes one :class:`~deflect.store.Deflection` row.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import current_app, session
from sqlalchemy.orm import Session

from deflect.staging import Staging, is_submission_key, new_submission_key
from deflect.store import Deflection, SuggestionShown

#: The key of the deflection in progress in the Flask session cookie.
COOKIE_KEY = "deflection"
#: The cookie's key of the browser's own random key, kept across deflections (see :func:`browser_key`).
BROWSER_COOKIE_KEY = "browser"
BROWSER_KEY = re.compile(r"[0-9a-f]{32}")


@dataclass
class Shown:
    """An article the customer was shown, at a rank; ``opened`` once they followed the link."""

    rank: int
    id: str
    lang: str
    anchor: str
    score: float
    opened: bool = False


@dataclass
class CurrentDeflection:
    """The customer's deflection in progress (see the module docstring)."""

    key: str
    lang: str
    product: str | None
    from_article: str | None
    started: str
    shown: list[Shown] = field(default_factory=list)
    browser: str | None = None  # the browser's key (:func:`browser_key`); None in older cookies

    @property
    def staging(self) -> Staging:
        """The form's staging folder: the step-1 text, and later the files of the case form."""
        return Staging(current_app.config["UPLOAD_DIR"], self.key)

    @property
    def question(self) -> str:
        """What the customer typed in step 1 (subject and description), or "" once pruned."""
        return str(self.staging.draft().get("question", ""))

    def save(self) -> None:
        """Keep this deflection in the customer's session cookie."""
        session[COOKIE_KEY] = asdict(self)

    def open(self, rank: int) -> Shown | None:
        """Note that the customer opened the article shown at ``rank``; return it (None if no such rank)."""
        for shown in self.shown:
            if shown.rank == rank:
                shown.opened = True
                self.save()
                return shown
        return None

    def as_row(self, outcome: str) -> Deflection:
        """Return the store's row for this deflection, ended with ``outcome``."""
        now = datetime.now(timezone.utc)
        row = Deflection(query=self.question, lang=self.lang, from_article=self.from_article,
                         product=self.product, outcome=outcome, submission_key=self.key, browser_key=self.browser,
                         created_at=datetime.fromisoformat(self.started), ended_at=now)
        row.suggestions = [SuggestionShown(rank=s.rank, article_id=s.id, lang=s.lang, score=s.score,
                                           opened=s.opened) for s in self.shown]
        return row

    def end(self, db: Session, outcome: str) -> Deflection:
        """Store this deflection with ``outcome`` (not a case: the case stores its own), forget it."""
        row = self.as_row(outcome)
        db.add(row)
        db.commit()
        self.staging.discard()
        forget()
        return row


def current() -> CurrentDeflection | None:
    """Return the deflection in progress of this customer, if any (a damaged cookie counts as none)."""
    kept = session.get(COOKIE_KEY)
    if not isinstance(kept, dict) or not is_submission_key(kept.get("key")):
        return None
    try:
        shown = [Shown(**item) for item in kept.get("shown", [])]
        return CurrentDeflection(**{**kept, "shown": shown})
    except TypeError:  # a cookie from an older version of the form
        return None


def forget() -> None:
    session.pop(COOKIE_KEY, None)


def browser_key() -> str:
    """Return this browser's random key, made on its first deflection and kept in its session cookie.

    The search learns an article's words only from several customers
    (:mod:`deflect.learning`): one browser's deflections, however many,
    count as one customer. It names no one and outlives no cookie.
    """
    kept = session.get(BROWSER_COOKIE_KEY)
    if not (isinstance(kept, str) and BROWSER_KEY.fullmatch(kept)):
        kept = session[BROWSER_COOKIE_KEY] = secrets.token_hex(16)
    return kept


def start(db: Session, draft: dict[str, Any], suggestions: list) -> CurrentDeflection:
    """Start a deflection for step 1's ``draft`` and the ``suggestions`` it was shown.

    The deflection it replaces is stored as abandoned, unless this is the
    same description sent again (a reload), which keeps its key and files.
    """
    previous = current()
    key = new_submission_key()
    if previous is not None:
        if previous.question == draft["question"]:
            key = previous.key
        else:
            previous.end(db, "abandoned")
    deflection = CurrentDeflection(
        key=key, lang=draft["lang"], product=draft.get("product"), from_article=draft.get("from"),
        started=datetime.now(timezone.utc).isoformat(), browser=browser_key(),
        shown=[Shown(rank=rank, id=item.id, lang=item.lang, anchor=item.url.partition("#")[2],
                     score=round(item.score, 4))
               for rank, item in enumerate(suggestions, start=1)],
    )
    deflection.staging.save_draft(draft)
    deflection.save()
    return deflection
