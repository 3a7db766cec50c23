"""Flask-WTF forms: every form carries a CSRF token; nested role rows do not need their own."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from digest.store.members import control_char_error
from digest.store.statuses import PostingStatus

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

EMAIL_PATTERN = r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$"
_SPLIT = re.compile(r"[;\n]")


def one_line(_form: Any, field: Any) -> None:
    """No CR, LF or other control character: names end up in mail headers."""
    problem = control_char_error(field.data or "")
    if problem:
        raise ValidationError(f"Remove the line break or control character ({problem}).")


def lines_of_text(_form: Any, field: Any) -> None:
    """One item per line (or ';'); an item itself holds no control character."""
    for item in split_list(field.data):
        problem = control_char_error(item)
        if problem:
            raise ValidationError(f"{item[:40]!r}: {problem}.")


def split_list(text: str | None) -> list[str]:
    """'a; b' or one per line -> ['a', 'b'], blanks and repeats dropped, order kept."""
    items = [part.strip() for part in _SPLIT.split(text or "")]
    return list(dict.fromkeys(item for item in items if item))


def join_list(values: list[str]) -> str:
    return "; ".join(values)


def choices(pairs: list[tuple[Any, str]]) -> list[Any]:
    """Select options in whichever form the installed WTForms prefers."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A bare form for buttons that only need the CSRF token."""


class SignInForm(FlaskForm):
    email = StringField(
        "Your email address",
        validators=[
            DataRequired(),
            Length(max=320),
            Regexp(EMAIL_PATTERN, message="Enter an email address."),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "autofocus": True},
    )


class RoleRow(Form):
    phrase = StringField("Target role", validators=[Length(max=300)])
    synonyms = StringField("Also known as", validators=[Length(max=2000)])
    exclude = StringField("Not if the title says", validators=[Length(max=2000)])
    required = StringField("Only if it also mentions", validators=[Length(max=2000)])
    remove = BooleanField("Remove this role")

    def is_blank(self) -> bool:
        fields = (self.phrase, self.synonyms, self.exclude, self.required)
        return not any((f.data or "").strip() for f in fields)


class RolesForm(FlaskForm):
    roles = FieldList(FormField(RoleRow), min_entries=1, max_entries=200)
    exclude = TextAreaField(
        "Never tag titles that say (whole sub-group)", validators=[Length(max=5000)]
    )

    def validate_roles(self, field: FieldList) -> None:
        seen: set[str] = set()
        for row in field:
            sub: RoleRow = row.form
            if sub.remove.data or sub.is_blank():
                continue
            phrase = (sub.phrase.data or "").strip()
            if not phrase:
                raise ValidationError("Each role needs a target role phrase (or tick 'Remove').")
            if phrase.casefold() in seen:
                raise ValidationError(f"The role '{phrase}' is listed twice.")
            seen.add(phrase.casefold())

    def kept_rows(self) -> list[dict[str, Any]]:
        rows = []
        for row in self.roles:
            sub: RoleRow = row.form
            if sub.remove.data or sub.is_blank():
                continue
            rows.append(
                {
                    "phrase": (sub.phrase.data or "").strip(),
                    "synonyms": split_list(sub.synonyms.data),
                    "exclude": split_list(sub.exclude.data),
                    "required": split_list(sub.required.data),
                }
            )
        return rows


class PostingEditForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=500), one_line])
    company = StringField("Company", validators=[Length(max=300), one_line])


class StatusForm(FlaskForm):
    status = SelectField(
        "Status",
        choices=choices(
            [
                (PostingStatus.ACTIVE, "Active (shown in digests)"),
                (PostingStatus.HIDDEN, "Hidden"),
                (PostingStatus.FILLED, "Filled"),
                (PostingStatus.EXPIRED, "Expired"),
            ]
        ),
    )


class MergeForm(FlaskForm):
    target = IntegerField(
        "Merge into posting number", validators=[DataRequired(), NumberRange(min=1)]
    )


class PreferencesForm(FlaskForm):
    name = StringField("My name", validators=[Length(max=200), one_line])
    subscribed = BooleanField("Send me the weekly digest")
    subgroups = MultiCheckboxField("My sub-groups", coerce=int)
    keywords = TextAreaField(
        "Keywords I look for (one per line)", validators=[Length(max=3000), lines_of_text]
    )
    location = StringField("Where I want to work", validators=[Length(max=200), one_line])
    targets = TextAreaField(
        "Companies I want to work at (one per line)", validators=[Length(max=3000), lines_of_text]
    )
    pitch = TextAreaField(
        "My pitch: who I am and what I am looking for",
        validators=[Length(max=300), one_line],
    )
    pitch_public = BooleanField("Show my pitch to fellow members")
    recruiters = TextAreaField(
        "Recruiters who send me leads (one address per line)",
        validators=[Length(max=3000), lines_of_text],
    )
    remote_ok = BooleanField("Remote jobs are fine for me")
    show_name = BooleanField("Show my name when I share a posting")
    thank_opt_in = BooleanField("Thank me by name among the week's top contributors")
    contact_opt_in = BooleanField("Tell other members I used to work at my past employers")
    past_employers = TextAreaField(
        "My past employers (one per line)", validators=[Length(max=3000), lines_of_text]
    )
    aliases = TextAreaField(
        "Other addresses I forward from (one per line)",
        validators=[Length(max=3000), lines_of_text],
    )
    paused_until = DateField("Pause my digest until", validators=[Optional()])
    always_send = BooleanField("Send the digest even in weeks with no leads for me")
    intro_opt_in = BooleanField(
        "Members may ask me for an introduction at my employers (a few requests a week at most)"
    )
    keep_helping = BooleanField("I have landed, but keep sending me leads so I can pass them on")


class LandingForm(FlaskForm):
    """After "Hired": where, which role, and may the group celebrate it."""

    company = StringField(
        "Where did you land?", validators=[DataRequired(), Length(max=300), one_line]
    )
    role = StringField("Which role?", validators=[Length(max=300), one_line])
    celebrate = BooleanField(
        "Yes, the group may celebrate it in the next digest (name, role, company)"
    )
    keep_helping = BooleanField("Keep sending me leads so I can pass them on to the others")


class AddMemberForm(FlaskForm):
    email = StringField(
        "Email",
        validators=[
            DataRequired(),
            Length(max=320),
            Regexp(EMAIL_PATTERN, message="Enter an email address."),
        ],
    )
    name = StringField("Name", validators=[Length(max=200), one_line])
    subgroups = MultiCheckboxField("Sub-groups", coerce=int)


class ImportForm(FlaskForm):
    file = FileField("members.csv", validators=[FileRequired()])


class SubgroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200), one_line])
    description = StringField("Description", validators=[Length(max=2000)])


class LeadsForm(FlaskForm):
    leads = TextAreaField("Lead email addresses (one per line)", validators=[Length(max=5000)])


class MemberEditForm(FlaskForm):
    """The operator's view of one member: what the member can set themselves, plus roles."""

    name = StringField("Name", validators=[Length(max=200), one_line])
    subgroups = MultiCheckboxField("Sub-groups", coerce=int)
    keywords = TextAreaField(
        "Keywords (one per line)", validators=[Length(max=3000), lines_of_text]
    )
    past_employers = TextAreaField(
        "Past employers (one per line)", validators=[Length(max=3000), lines_of_text]
    )
    location = StringField("Location", validators=[Length(max=200), one_line])
    contact_opt_in = BooleanField("Shown to other members as an inside contact at past employers")
    leads = MultiCheckboxField("Lead of", coerce=int)
    is_operator = BooleanField("Operator (may use these operator pages)")


class ConfirmForm(FlaskForm):
    """A destructive action's second step: the button on the confirm page sends `confirm`."""

    confirm = StringField(validators=[DataRequired()])


class WatchForm(FlaskForm):
    name = StringField("Company", validators=[DataRequired(), Length(max=300)])
    url = StringField(
        "Careers URL (any page of the company's job site)",
        validators=[DataRequired(), Length(max=2000)],
        render_kw={
            "inputmode": "url",
            "placeholder": "https://sabre.wd1.myworkdayjobs.com/SabreJobs",
        },
    )
