"""The base of every form that stores text: control characters are refused, not silently dropped."""
import re

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import ValidationError

# Tab, newline and carriage return are fine in text; other control characters (NUL above all,
# which PostgreSQL cannot store) are not something a person types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(form, field) -> None:
    """Refuse text with control characters."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError("This contains characters that can't be saved; please retype it.")


class TextForm(FlaskForm):
    """A form whose text fields (StringField and its subclasses, TextAreaField included) refuse control characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                field.validators = [*field.validators, no_control_characters]
            return field
