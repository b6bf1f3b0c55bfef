"""The workspace's forms, validated at the edge: bounded text, known choices, the case version seen.

Every form that changes a case carries the case's ``version`` as the agent
saw it: :func:`deflect.lifecycle.act` refuses the change (``CaseChanged``)
when another agent changed the case in between, and the page comes back
with what the agent typed.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from deflect import vocabulary
from deflect.forms import EMAIL, at_most, choices, required, strip
from deflect.helpcenter import current_help_center
from deflect.site import ARTICLE_ID
from deflect.staff.auth import MAX_PASSWORD, PASSWORD_MESSAGES, ROLES, password_problem

#: The longest message an agent may send (a case's description may have 10,000 characters).
MAX_MESSAGE = 20_000
#: The composer's actions: one text, one button each.
COMPOSER_ACTIONS = ("reply", "request_information", "propose_solution", "reopen", "note")


class StaffForm(FlaskForm):
    class Meta:
        locales = False


def language_choices():
    return choices(current_help_center().language_names.items())


ROLE_LABELS = {"agent": _l("Agent"), "manager": _l("Manager")}


def role_choices():
    return choices((role, ROLE_LABELS[role]) for role in ROLES)


def check_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(PASSWORD_MESSAGES[problem])


class LoginForm(StaffForm):
    email = StringField(_l("E-mail"), filters=[strip], validators=[required(_l("Please give your e-mail address.")),
                                                                    at_most(254)])
    password = PasswordField(_l("Password"), validators=[required(_l("Please give your password.")),
                                                          Length(max=MAX_PASSWORD)])
    next = HiddenField()


class NewPasswordForm(StaffForm):
    """Choosing a password (an invitation, or the profile page)."""

    password = PasswordField(_l("New password"), validators=[required(_l("Please choose a password.")),
                                                              check_password])
    confirm = PasswordField(_l("The same password again"), validators=[required(_l("Please repeat the password."))])

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[required(_l("Please give your current password.")),
                                                                 Length(max=MAX_PASSWORD)])


class ProfileForm(StaffForm):
    name = StringField(_l("Name"), filters=[strip], validators=[required(_l("Please give a name.")), at_most(200)])
    language = SelectField(_l("Language of the workspace"))

    def setup(self) -> ProfileForm:
        self.language.choices = language_choices()
        return self


class InviteForm(ProfileForm):
    email = StringField(_l("E-mail"), filters=[strip], validators=[
        required(_l("Please give an e-mail address.")), at_most(254),
        Regexp(EMAIL, message=_l("This does not look like an e-mail address (name@example.com)."))])
    role = SelectField(_l("Role"))

    def setup(self) -> InviteForm:
        super().setup()
        self.role.choices = role_choices()
        return self


class RoleForm(StaffForm):
    role = SelectField(_l("Role"))

    def setup(self) -> RoleForm:
        self.role.choices = role_choices()
        return self


class SavedReplyForm(StaffForm):
    lang = SelectField(_l("Language"))
    title = StringField(_l("Title"), filters=[strip], validators=[required(_l("Please give it a title.")),
                                                                   at_most(200)])
    body = TextAreaField(_l("Text"), filters=[strip], validators=[required(_l("Please write the text.")),
                                                                   at_most(MAX_MESSAGE)])

    def setup(self) -> SavedReplyForm:
        self.lang.choices = language_choices()
        return self


# --- forms that change a case ---

class CaseActionForm(StaffForm):
    """What every change of a case carries: the version of the case the agent saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def invalid_version(self) -> bool:
        return bool(self.version.errors)


def message_field(label, empty_message):
    return TextAreaField(label, filters=[strip], validators=[required(empty_message), at_most(MAX_MESSAGE)])


class ComposerForm(CaseActionForm):
    """A message to the customer (or an internal note), with the article it points to, if any."""

    body = message_field(_l("Message"), _l("Please write a message."))
    article = HiddenField(filters=[strip])
    action = HiddenField()

    def validate_article(self, field):
        if field.data and not (ARTICLE_ID.match(field.data) and current_help_center().has_article(field.data)):
            field.data = ""  # not an article of the help center: the message still goes, without the record

    def validate_action(self, field):
        if field.data not in COMPOSER_ACTIONS:
            raise ValidationError(_l("Please choose what to do with the message."))


class SeverityForm(CaseActionForm):
    severity = SelectField(_l("New severity"), choices=choices(vocabulary.SEVERITIES.items()), validate_choice=False)
    body = message_field(_l("Reason (the customer sees it)"), _l("Please give the reason for the change."))

    def validate_severity(self, field):
        if field.data not in vocabulary.SEVERITIES:
            raise ValidationError(_l("Please choose a severity."))


class AssignForm(CaseActionForm):
    assignee = SelectField(_l("Assign to"), validate_choice=False)
    body = TextAreaField(_l("Note for the new assignee (optional, internal)"), filters=[strip],
                         validators=[Optional(), at_most(MAX_MESSAGE)])

    def setup(self, members) -> AssignForm:
        self.members = {str(member.id): member for member in members}
        self.assignee.choices = choices([("", _l("Nobody"))] + [(key, m.name) for key, m in self.members.items()])
        return self

    def validate_assignee(self, field):
        if field.data and field.data not in self.members:
            raise ValidationError(_l("Please choose a member of the team."))

    @property
    def assignee_id(self) -> int | None:
        return int(self.assignee.data) if self.assignee.data else None


class EscalateForm(CaseActionForm):
    body = message_field(_l("Why this case needs an escalation (internal)"),
                         _l("Please give the reasons for the escalation."))


class AcknowledgeForm(CaseActionForm):
    """The manager's acknowledgement, as support/escalation describes it: the customer's two contacts."""

    escalation_manager = StringField(_l("Escalation manager"), filters=[strip], validators=[
        required(_l("Please name the escalation manager.")), at_most(200)])
    technical_lead = StringField(_l("Technical lead"), filters=[strip], validators=[
        required(_l("Please name the technical lead.")), at_most(200)])
    body = TextAreaField(_l("Message to the customer (optional)"), filters=[strip],
                         validators=[Optional(), at_most(MAX_MESSAGE)])


class CloseEscalationForm(CaseActionForm):
    """Closing an escalation: its outcome goes to the customer by e-mail and on the case page."""

    body = message_field(_l("Outcome and reason (the customer sees it)"),
                         _l("Please say why the escalation is closed."))
