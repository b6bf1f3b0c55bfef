"""The form's vocabularies, declared once as data: request types, severities,
products, attachment limits and the hotline, read from mkdocs.yml and
vocabulary/labels.yml so the help center and the form never disagree."""
from __future__ import annotations

import logging
from dataclasses import dataclass
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
#: The product choice for customers who do not know or whose area is not a product.
OTHER_PRODUCT = "other"
OTHER_PRODUCT_LABEL = _l("Other / not sure")
SEVERITY_GUIDE = "support/severity"
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
    the form keeps working.
    """
    center = current_help_center()
    path = Path(center.root) / LABELS_FILE
    try:
        lines = load_labels(path).for_language(lang if lang in center.languages else center.default_language)
    except (OSError, LabelsError) as exc:
        log.warning("labels %s unreadable: %s", path, exc)
        return {}
    return {key: lines["severity_line"][key] for key in SEVERITIES if key in lines.get("severity_line", {})}
