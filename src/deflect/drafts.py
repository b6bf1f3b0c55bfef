""""Draft an article from this case": a solved case turned into a Markdown draft for authors.

The draft has the front matter every article needs (``deflect check`` asks
for it), a title from the case's subject, and two sections: the question as
the customer asked it and the solution support gave. The customer's personal
data is removed first (:func:`redact`): their name, company, e-mail
addresses, phone numbers, addresses of machines, case references and long
identifiers. An author reviews it, writes it as an article and saves it under
``docs/<lang>/`` at :func:`suggested_path`.
"""
from __future__ import annotations

import re
import unicodedata

import yaml

from deflect.store import Case

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()./-]{6,}\d(?!\w)")
IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
REFERENCE = re.compile(r"\bCS-[0-9A-Z]{6}\b")
URL = re.compile(r"https?://\S+")
LONG_ID = re.compile(r"\b[0-9A-Za-z_-]{24,}\b")
#: Legal forms a company's name ends with; customers write the name without them ("Nordlicht" for "Nordlicht GmbH").
LEGAL_FORM = re.compile(r"[\s,]+(gmbh(\s*&\s*co\.?\s*kg)?|ag|kg|se|sa|sas|sarl|s\.?a\.?r\.?l\.?|s\.?p\.?a\.?|s\.?r\.?l\.?"
                        r"|s\.?l\.?|ltd\.?|limited|plc|inc\.?|llc|corp\.?|bv|b\.v\.|nv|oy|ab|as)$", re.I)


def redact_patterns(text: str) -> str:
    """Return ``text`` without what personal data looks like: links, e-mail and machine addresses, phone numbers,
    case references and long identifiers (a name needs the case that tells it: :func:`redact`).

    >>> redact_patterns("write to anna@acme.example or call +39 02 1234 5678 about CS-7K3Q9X")
    'write to [e-mail] or call [phone] about [case]'
    """
    for pattern, placeholder in ((URL, "[link]"), (EMAIL, "[e-mail]"), (IP, "[address]"), (PHONE, "[phone]"),
                                 (REFERENCE, "[case]"), (LONG_ID, "[id]")):
        text = pattern.sub(placeholder, text)
    return text


def redact(text: str, case: Case) -> str:
    """Return ``text`` without the case's personal data (see the module docstring).

    >>> class C: contact_name, company, owner_name = "Anna Rossi", "Acme", None
    >>> redact("Anna Rossi (anna@acme.example, +39 02 1234 5678) at Acme, case CS-7K3Q9X", C)
    '[name] ([e-mail], [phone]) at [company], case [case]'
    >>> C.company = "Nordlicht GmbH"
    >>> redact("Nordlicht's reports, Nordlicht GmbH", C)
    "[company]'s reports, [company]"
    """
    text = redact_patterns(text)
    company = (case.company or "").strip()
    short_company = LEGAL_FORM.sub("", company)
    for value, placeholder in ((company, "[company]"), (short_company, "[company]"), (case.contact_name, "[name]"),
                               (case.owner_name, "[name]")):
        if value and len(value.strip()) > 1:
            text = re.sub(re.escape(value.strip()), placeholder, text, flags=re.I)
    for address in (getattr(case, "email", None), getattr(case, "owner_email", None)):  # "anna.rossi" alone
        local = (address or "").partition("@")[0]
        if len(local) >= 3:
            text = re.sub(rf"(?<![\w.]){re.escape(local)}(?![\w])", "[e-mail]", text, flags=re.I)
    for name in (case.contact_name, case.owner_name):  # a first or last name alone ("Camille, try…")
        for part in re.findall(r"\w{3,}", name or ""):
            text = re.sub(rf"\b{re.escape(part)}\b", "[name]", text, flags=re.I)
    return text


def slug(text: str) -> str:
    """Return a file name for a title (``Export to Excel fails!`` → ``export-to-excel-fails``).

    >>> slug("L'export Excel échoue !")
    'l-export-excel-echoue'
    """
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    return "-".join(re.findall(r"[a-z0-9]+", plain))[:60] or "draft"


def solution_of(case: Case) -> str:
    """The words support solved the case with: the proposed solution, else the last public reply."""
    for event in reversed(case.events):
        if event.type == "propose_solution" and event.body:
            return event.body
    for event in reversed(case.events):
        if event.type in ("reply", "reopen") and event.public and event.body:
            return event.body
    return ""


def suggested_path(case: Case) -> str:
    """Where the draft goes for review: ``docs/<lang>/support/<slug>.md``."""
    return f"docs/{case.lang}/support/{slug(redact(case.subject, case))}.md"


def draft_article(case: Case, headings: dict[str, str]) -> str:
    """Return the Markdown draft of ``case`` (``headings``: the two section titles, in the case's language)."""
    title = redact(case.subject, case).strip()
    question = redact(case.description, case).strip()
    for extra in (case.intent, case.steps, case.actual):
        if extra:
            question += "\n\n" + redact(extra, case).strip()
    first_sentence = re.split(r"(?<=[.!?])\s", question.replace("\n", " "), maxsplit=1)[0][:160]
    meta = {"title": title, "description": first_sentence, "tags": [case.product], "keywords": [],
            "draft_from_case": True}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return (f"---\n{front}\n---\n\n# {title}\n\n## {headings['question']}\n\n{question}\n\n"
            f"## {headings['solution']}\n\n{redact(solution_of(case), case).strip()}\n")
