"""The support form's two forms, validated at the edge with one clear message per rule.

CSRF protection (Flask-WTF) covers every form POST of the service; the JSON
feedback endpoint, called by the help center's pages from any host, is exempt.
"""
from __future__ import annotations

import json
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import (BooleanField, HiddenField, MultipleFileField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from deflect import vocabulary
from deflect.helpcenter import current_help_center
from deflect.site import ARTICLE_ID
from deflect.text import clean_text

csrf = CSRFProtect()
#: Deliberately simple: something@domain.tld, no spaces; the analyst's reply is the real check.
EMAIL = re.compile(r"\A[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}\Z")
PHONE = re.compile(r"\A\+?[0-9 ()./-]{6,30}\Z")
#: What the browser may report when the customer opts in to technical details.
TECHNICAL_KEYS = ("userAgent", "language", "languages", "platform", "screen", "viewport", "timezone",
                  "cookiesEnabled")


def choices(pairs) -> list[SelectChoice]:
    """Return ``(value, label)`` pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    """The filter of every text field: storable text (:func:`deflect.text.clean_text`), trimmed."""
    return clean_text(value).strip() if isinstance(value, str) else value


def required(message):
    return DataRequired(message=message)


class AtMost(Length):
    """A length limit checked on the server only: no ``maxlength`` attribute, so a browser never cuts a
    pasted text silently; the form says how much is too much and keeps every word typed."""

    def __init__(self, count: int):
        super().__init__(max=count, message=_l("Please keep this under %(count)d characters.", count=count))
        self.field_flags = {}
        self.chars = count


def at_most(count: int):
    return AtMost(count)


class DescribeForm(FlaskForm):
    """Step 1: what the customer needs, in their words."""

    class Meta:
        locales = False

    subject = StringField(_l("Subject"), filters=[strip], validators=[
        required(_l("Please give your request a short subject.")), at_most(200)])
    description = TextAreaField(_l("Describe your problem"), filters=[strip], validators=[
        required(_l("Please describe your problem in a few sentences.")),
        Length(min=10, message=_l("Please write at least a sentence (10 characters or more).")),
        at_most(2000)])
    product = SelectField(_l("Product or area"), validators=[required(_l("Please choose a product or area."))],
                          validate_choice=False)
    lang = SelectField(_l("Language"), validate_choice=False)
    from_article = HiddenField(name="from", filters=[strip])

    def setup(self) -> DescribeForm:
        """Fill the choices from the help center: its products and its languages."""
        self.languages = dict(current_help_center().language_names)
        self.product.choices = choices([("", _l("Choose…"))] + vocabulary.products())
        self.lang.choices = choices(self.languages.items())
        return self

    def validate_product(self, field):
        if field.data and field.data not in dict(vocabulary.products()):
            raise ValidationError(_l("Please choose a product or area from the list."))

    def validate_lang(self, field):
        if field.data not in self.languages:
            raise ValidationError(_l("Please choose one of the languages offered."))

    @property
    def article(self) -> str | None:
        """The article the customer came from, if it looks like an article id."""
        value = self.from_article.data or ""
        return value if ARTICLE_ID.match(value) else None

    def draft(self) -> dict[str, str | None]:
        """Return what step 1 keeps for the case form: the question searched, and each field."""
        return {"question": f"{self.subject.data}\n{self.description.data}", "subject": self.subject.data,
                "description": self.description.data, "product": self.product.data, "lang": self.lang.data,
                "from": self.article}


class LostLinkForm(FlaskForm):
    """"I lost my link": the address the case links are sent to."""

    class Meta:
        locales = False

    email = StringField(_l("E-mail"), filters=[strip], validators=[
        required(_l("Please give the e-mail address of your case.")), at_most(254),
        Regexp(EMAIL, message=_l("This does not look like an e-mail address (name@example.com)."))])


class CaseForm(DescribeForm):
    """Step 3: the case with the recommended fields."""

    description = TextAreaField(_l("Description"), filters=[strip], validators=[
        required(_l("Please describe your problem.")),
        Length(min=10, message=_l("Please write at least a sentence (10 characters or more).")),
        at_most(10000)])
    contact_name = StringField(_l("Your name"), filters=[strip], validators=[
        required(_l("Please tell us your name.")), at_most(200)])
    email = StringField(_l("E-mail"), filters=[strip], validators=[
        required(_l("Please give an e-mail address we can reply to.")), at_most(254),
        Regexp(EMAIL, message=_l("This does not look like an e-mail address (name@example.com)."))])
    phone = StringField(_l("Phone (optional)"), filters=[strip], validators=[
        Optional(), Regexp(PHONE, message=_l("Please use digits, spaces and + ( ) - only (6 to 30)."))])
    company = StringField(_l("Company"), filters=[strip], validators=[
        required(_l("Please tell us your company.")), at_most(200)])
    # The owner's two fields are labels: support/raise-a-case names them as the form shows them.
    owner_name = StringField(vocabulary.Label("field", "case_owner"), filters=[strip], validators=[at_most(200)])
    owner_email = StringField(vocabulary.Label("field", "case_owner_email"), filters=[strip],
                              validators=[at_most(254)])
    request_type = RadioField(_l("Request type"), choices=choices(vocabulary.REQUEST_TYPES.items()),
                              validators=[required(_l("Please choose the type of request."))],
                              validate_choice=False)
    severity = RadioField(_l("Severity"), choices=choices(vocabulary.SEVERITIES.items()),
                          validators=[required(_l("Please choose a severity."))], validate_choice=False)
    intent = TextAreaField(_l("What were you trying to do?"), filters=[strip], validators=[at_most(5000)])
    steps = TextAreaField(_l("Steps to reproduce"), filters=[strip], validators=[at_most(5000)])
    actual = TextAreaField(_l("What happened, and what did you expect?"), filters=[strip],
                           validators=[at_most(5000)])
    supporting_info = TextAreaField(_l("Supporting information"), filters=[strip],
                                    validators=[at_most(5000)])
    attachments = MultipleFileField(_l("Attachments"))
    include_technical = BooleanField(_l("Include technical details of my browser and system"))
    technical = HiddenField()
    submission_key = HiddenField()
    #: Spam without third parties: a field people never see (a robot fills it) and when the form was shown.
    website = StringField(filters=[strip])
    started = HiddenField()

    def validate_request_type(self, field):
        if field.data not in vocabulary.REQUEST_TYPES:
            raise ValidationError(_l("Please choose the type of request."))

    def validate_severity(self, field):
        if field.data not in vocabulary.SEVERITIES:
            raise ValidationError(_l("Please choose a severity."))

    def validate_owner_email(self, field):
        if not field.data:
            if self.owner_name.data:
                raise ValidationError(_l("Please give the case owner's e-mail address, so that we can write to them."))
            return
        if not EMAIL.match(field.data):
            raise ValidationError(_l("This does not look like an e-mail address (name@example.com)."))

    def owner(self) -> tuple[str | None, str | None]:
        """Return the case owner's (name, e-mail), or (None, None) when there is none besides the contact."""
        email = self.owner_email.data or None
        if email is None or email.casefold() == (self.email.data or "").casefold():
            return None, None
        return self.owner_name.data or None, email

    def validate_actual(self, field):
        if self.request_type.data == "incident" and not field.data:
            raise ValidationError(_l("For an incident, please tell us what happened and what you expected."))

    def technical_details(self, user_agent: str) -> dict | None:
        """Return the technical details the customer agreed to send, bounded, or None."""
        if not self.include_technical.data:
            return None
        details: dict[str, str] = {}
        try:  # what our page sends is a small flat object; anything else counts as nothing
            reported = json.loads(self.technical.data or "{}") if len(self.technical.data or "") <= 4000 else {}
        except (ValueError, RecursionError):
            reported = {}
        if isinstance(reported, dict):
            for key in TECHNICAL_KEYS:
                if key in reported and reported[key] not in (None, ""):
                    details[key] = clean_text(str(reported[key]))[:300]
        details.setdefault("userAgent", clean_text(user_agent or "")[:300])
        return details

    def case_fields(self, user_agent: str) -> dict:
        """Return the validated fields as the store's :class:`~deflect.store.Case` takes them."""
        return {
            "lang": self.lang.data,
            "contact_name": self.contact_name.data,
            "email": self.email.data,
            "phone": self.phone.data or None,
            "company": self.company.data,
            "owner_name": self.owner()[0],
            "owner_email": self.owner()[1],
            "product": self.product.data,
            "request_type": self.request_type.data,
            "severity": self.severity.data,
            "subject": self.subject.data,
            "description": self.description.data,
            "intent": self.intent.data or None,
            "steps": self.steps.data or None,
            "actual": self.actual.data or None,
            "supporting_info": self.supporting_info.data or None,
            "technical_details": self.technical_details(user_agent),
        }
