"""The form's vocabularies, declared once as data: request types, severities,
products, attachment limits and the hotline, read from mkdocs.yml and
vocabulary/labels.yml so the help center and the form never disagree."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from deflect.helpcenter import current_help_center
from deflect.site import HelpCenter

log = logging.getLogger(__name__)

#: The form's choices, in the order it shows them; their words are labels (vocabulary/labels.yml).
REQUEST_TYPE_KEYS = ("incident", "question", "feature_request", "other")
SEVERITY_KEYS = ("general", "moderate", "critical")
#: Words only the service uses (the workspace's actions, the history's entries): gettext, not labels.yml,
#: which holds the words the articles share with the pages.
SERVICE_WORDS: dict[str, dict[str, object]] = {
    "action": {"note": _l("Internal note"), "request_information": _l("Request information"),
               "propose_solution": _l("Propose a solution"), "reopen": _l("Reopen"), "take": _l("Take"),
               "assign": _l("Assign"), "change_severity": _l("Change the severity"), "escalate": _l("Escalate"),
               "acknowledge_escalation": _l("Acknowledge the escalation"),
               "close_escalation": _l("Close the escalation")},
    # What a case's history shows for each event (deflect.lifecycle's actions, and the filing).
    "event": {"created": _l("Case filed"), "reply": _l("Reply from support"), "note": _l("Internal note"),
              "request_information": _l("Information requested"), "propose_solution": _l("Solution proposed"),
              "reopen": _l("Reopened by support"), "assign": _l("Assignment"),
              "change_severity": _l("Severity changed"), "escalate": _l("Escalation requested by support"),
              "acknowledge_escalation": _l("Escalation acknowledged"), "close_escalation": _l("Escalation closed"),
              "customer_reply": _l("Reply from the customer"), "accept_solution": _l("Solution accepted"),
              "reject_solution": _l("Solution rejected"), "close": _l("Closed by the customer"),
              "nudge": _l("Nudge"), "request_escalation": _l("Escalation Request"), "rate": _l("Survey answered"),
              "remind": _l("Reminder sent"), "auto_solve": _l("Solved by the rule"),
              "auto_close": _l("Closed automatically"), "send_survey": _l("Survey sent")},
}


def label(group: str, key: str, lang: str | None = None) -> str:
    """Return the word for ``key`` in ``group`` (``label("status", "solved")``), in ``lang`` or the page's.

    The words customers meet in the articles too (statuses, severities, request
    types, escalation states, their buttons, the survey) come from
    vocabulary/labels.yml, the one declaration the articles' placeholders use;
    the service's own words from its gettext catalogs. An unknown key is shown
    as it is rather than failing a page.
    """
    from flask_babel import force_locale

    from deflect.i18n import current_language

    center = current_help_center()
    lang = lang if lang in center.languages else None
    if center.labels is not None and center.labels.has(group, key):
        return center.labels.get(group, key, lang or current_language())
    found = SERVICE_WORDS.get(group, {}).get(key)
    if found is None:
        return key
    if lang is None:
        return str(found)
    with force_locale(lang):
        return str(found)


class Label:
    """A label read when shown (a form's choices are built before the page's language is known)."""

    def __init__(self, group: str, key: str):
        self.group, self.key = group, key

    def __str__(self) -> str:
        return label(self.group, self.key)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


REQUEST_TYPES: dict[str, Label] = {key: Label("request_type", key) for key in REQUEST_TYPE_KEYS}
SEVERITIES: dict[str, Label] = {key: Label("severity", key) for key in SEVERITY_KEYS}
#: The reasons for an escalation, in the order support/escalation lists them: labels, so that the
#: article and the case page's form name them with the same words.
ESCALATION_REASONS: dict[str, Label] = {key: Label("escalation_reason", key)
                                        for key in ("impact", "time_frame", "complexity")}


#: The product choice for customers who do not know or whose area is not a product.
OTHER_PRODUCT = "other"
OTHER_PRODUCT_LABEL = _l("Other / not sure")
CASE_LIFECYCLE_ARTICLE = "support/case-lifecycle"


def products() -> list[tuple[str, object]]:
    """Return the product choices: mkdocs.yml's ``extra.products`` plus "Other / not sure"."""
    return [(name, name) for name in current_help_center().products] + [(OTHER_PRODUCT, OTHER_PRODUCT_LABEL)]


@dataclass(frozen=True)
class AttachmentLimits:
    max_files: int
    max_file_mb: int
    file_types: tuple[str, ...]

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def accept(self) -> str:
        """The ``accept`` attribute of the file input (``.png,.jpg,…``)."""
        return ",".join(f".{kind}" for kind in self.file_types)


def attachment_limits(center: HelpCenter | None = None) -> AttachmentLimits:
    """Return the attachment limits of ``extra.support`` in mkdocs.yml."""
    support = (center or current_help_center()).extra.get("support", {})
    kinds = tuple(k.strip().lower().lstrip(".") for k in str(support.get("file_types", "")).split(",") if k.strip())
    return AttachmentLimits(int(support.get("max_files", 10)), int(support.get("max_file_mb", 20)), kinds)


def hotline(lang: str) -> str | None:
    """Return the hotline number for urgent help in ``lang`` (English's if none)."""
    numbers = current_help_center().extra.get("vendor", {}).get("hotline", {})
    return numbers.get(lang) or numbers.get(current_help_center().default_language)


def severity_explanations(lang: str) -> dict[str, str]:
    """Return severity → its one line in ``lang``, from ``vocabulary/labels.yml`` (``severity_line``).

    Returns ``{}`` (no explanation lines) when the labels cannot be read, so
    the form keeps working. Read once per help center and language.
    """
    return _severity_explanations(current_help_center(), lang)


@lru_cache(maxsize=64)
def _severity_explanations(center: HelpCenter, lang: str) -> dict[str, str]:
    if center.labels is None:
        return {}
    lang = lang if lang in center.languages else center.default_language
    return {key: center.labels.get("severity_line", key, lang) for key in SEVERITY_KEYS
            if center.labels.has("severity_line", key)}
