"""Form plumbing, in one place: what the site accepts from outside (text in forms and URLs, whole numbers
in URLs), the base form every form derives from, and the fields and widgets the feature forms share.

Every form derives from GuardedForm (or, for a sub-form, uses GuardedMeta), so each text field refuses
what no person types and no database stores: NUL and other control characters, and lone surrogates
(which cannot be encoded for PostgreSQL). Names also refuse the bidi override and isolate characters
that make text display in another order than it is stored. URL segments and integers go through the
converters below, so a path with NUL or a 30-digit id is a 404, never a database error.
"""
from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter, ValidationError as NoMatch
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, SearchInput

# Tab, newline and carriage return are fine in text; other control characters (NUL above all,
# which PostgreSQL cannot store) are not something a person types. Lone surrogates cannot be stored either.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Left-to-right/right-to-left embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# The largest value of a 64-bit signed integer column (PostgreSQL BIGINT; SQLite INTEGER).
DATABASE_INT_MAX = 2**63 - 1
UNSTORABLE_MESSAGE = "Remove the invisible control characters (or other characters that can't be saved) from this text."
BIDI_MESSAGE = "Remove the invisible text-direction characters from the name."


def is_storable(text: str) -> bool:
    """Whether `text` can be stored and looked up as it is (no control characters, no lone surrogates)."""
    return not _UNSTORABLE.search(text)


def storable_or_empty(text: str | None) -> str:
    """`text` if it is storable, else "" (for lookups by a value from a URL: nothing has such a key)."""
    return text if text and is_storable(text) else ""


def database_int(text: str | None) -> int | None:
    """A whole number that fits a database integer column, or None."""
    value = (text or "").strip()
    if not value or len(value.lstrip("+-")) > 19:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if -DATABASE_INT_MAX - 1 <= number <= DATABASE_INT_MAX else None


def no_control_characters(form: Any, field: Any) -> None:
    """Refuse text that can't be stored (control characters, lone surrogates)."""
    if isinstance(field.data, str) and not is_storable(field.data):
        raise StopValidation(UNSTORABLE_MESSAGE)


def plain_name(form: Any, field: Any) -> None:
    """A name refuses bidi override and isolate characters."""
    if isinstance(field.data, str) and _BIDI_CONTROL.search(field.data):
        raise ValidationError(BIDI_MESSAGE)


class GuardedMeta:
    """Form meta that puts the storable-text check first on every text field (StringField and its
    subclasses: TextAreaField, EmailField, URLField, PasswordField...; hidden fields excepted)."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
        field = unbound_field.bind(form=form, **options)
        # Hidden fields carry tokens and versions, never typed text; whatever reads them checks them.
        if isinstance(field, StringField) and not isinstance(field, HiddenField):
            field.validators = [no_control_characters, *field.validators]
        return field


class GuardedForm(FlaskForm):
    """The base of every form of the site."""

    class Meta(GuardedMeta):
        pass


def too_long_message(limit: int, length: int | str, what: str = "this") -> str:
    """The one way the site says a text is too long."""
    return f"Keep {what} to {limit:,} characters or fewer (it has {length})."


def length(limit: int, what: str = "this") -> Length:
    """At most `limit` characters, saying how many were typed."""
    return Length(max=limit, message=too_long_message(limit, "%(length)d", what))


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WholeNumberField(IntegerField):
    """An integer field whose parse error says what to type; absurdly long numbers are refused before
    NumberRange sees them (it compares through float, which a 400-digit integer overflows)."""

    MAX_DIGITS = 9
    data: int | None

    def __init__(self, label: str, validators: list[Any] | None = None, message: str = "Enter a whole number.",
                 **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.parse_message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the number, with our message when it is not one."""
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(self.parse_message)
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.parse_message) from error


def _attribute_name(key: str) -> str:
    """A keyword argument as an HTML attribute name: `class_` is class, `aria_label` is aria-label."""
    key = key.rstrip("_")
    return key.replace("_", "-") if key.startswith(("data_", "aria_")) else key


def html_attributes(**attributes: Any) -> Markup:
    """The same attributes as WTForms' html_params writes, without the Markup.format that made its inputs
    a large part of rendering the search page (which shows on every search)."""
    named = ((_attribute_name(key), value) for key, value in sorted(attributes.items()))
    return Markup(
        " ".join(key if value is True else f'{key}="{escape(value)}"' for key, value in named if value is not False)
    )


class QuickSearchInput(SearchInput):
    """A search box written by html_attributes."""

    html_params = staticmethod(html_attributes)


class QuickCheckboxInput(CheckboxInput):
    """A checkbox written by html_attributes."""

    html_params = staticmethod(html_attributes)


class SafeStringConverter(UnicodeConverter):
    """The default URL segment: one with characters that can't be stored matches no route (a 404)."""

    def to_python(self, value: str) -> str:
        if not is_storable(value):
            raise NoMatch()
        return value


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` segments: a number too large for a database integer matches no route (a 404)."""

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, DATABASE_INT_MAX if max is None else max, signed)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("-")) > 19:  # before int(): Python refuses to parse over 4,300 digits
            raise NoMatch()
        return super().to_python(value)


URL_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": SafeStringConverter, "string": SafeStringConverter, "int": DatabaseIntConverter,
}
