"""The form's vocabularies, declared once as data: request types, severities,
products, attachment limits and the hotline, read from mkdocs.yml and
vocabulary/labels.yml so the help center and the form never disagree."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from deflect.helpcenter import current_help_center
from deflect.labels import LABELS_FILE, LabelsError, load_labels
from deflect.site import HelpCenter

log = logging.getLogger(__name__)

#: value → label, in the order the form shows them.
REQUEST_TYPES: dict[str, object] = {
    "incident": _l("Incident: something does not work"),
    "question": _l("Question"),
    "feature_request": _l("Feature request"),
    "other": _l("Other"),
}
SEVERITIES: dict[str, object] = {
    "general": _l("General question"),
    "moderate": _l("Moderate issue"),
    "critical": _l("Critical issue"),
}
#: The labels pages and e-mails show for the lifecycle's words (status, escalation, actions, survey).
#: Read them through :func:`label`, the one way in: they move to vocabulary/labels.yml, shared with
#: the articles, without their callers changing.
LABELS: dict[str, dict[str, object]] = {
    "severity": SEVERITIES,
    "request_type": REQUEST_TYPES,
    "status": {"new": _l("New"), "open": _l("Open"), "pending_customer": _l("Pending customer"),
               "solved": _l("Solved"), "closed": _l("Closed")},
    "escalation": {"requested": _l("Escalation requested"), "acknowledged": _l("Escalation acknowledged"),
                   "closed": _l("Escalation closed")},
    "action": {"reply": _l("Reply"), "add_information": _l("Add information"), "nudge": _l("Nudge"),
               "request_escalation": _l("Escalation Request"), "accept_solution": _l("Accept the solution"),
               "reject_solution": _l("This did not solve it"), "close_case": _l("Close my case"),
               "my_cases": _l("My cases"), "contact_support": _l("Contact support"),
               "send_case": _l("Send my case"),
               # Support's actions (the staff workspace).
               "note": _l("Internal note"), "request_information": _l("Request information"),
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
    "survey": {"question": _l("How easy did we make it to handle your issue?"), "lowest": _l("very difficult"),
               "highest": _l("very easy")},
}


def label(group: str, key: str, lang: str | None = None) -> str:
    """Return the label of ``key`` in ``group`` (``label("status", "solved")``), in ``lang`` or the page's.

    An unknown key is shown as it is rather than failing a page.
    """
    from flask_babel import force_locale

    found = LABELS.get(group, {}).get(key)
    if found is None:
        return key
    if lang is None:
        return str(found)
    with force_locale(lang):
        return str(found)


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
    path = Path(center.root) / LABELS_FILE
    try:
        lines = load_labels(path).for_language(lang if lang in center.languages else center.default_language)
    except (OSError, LabelsError) as exc:
        log.warning("labels %s unreadable: %s", path, exc)
        return {}
    return {key: lines["severity_line"][key] for key in SEVERITIES if key in lines.get("severity_line", {})}
