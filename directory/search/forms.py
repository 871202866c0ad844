"""The search form (GET, so no CSRF token)."""
from typing import Any

from markupsafe import Markup, escape
from wtforms import BooleanField, SearchField, SelectChoice, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, SearchInput
from wtforms.widgets.core import clean_key

from directory.forms import GuardedForm
from directory.search.services import MAX_PLACE_LENGTH, MAX_TEXT_LENGTH, RADIUS_CHOICES, SearchParams, Vocabulary


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def html_attributes(**attributes: Any) -> Markup:
    """The same attributes as WTForms' html_params writes, without the Markup.format that made its inputs
    a large part of rendering the search page (which shows on every search)."""
    cleaned = ((clean_key(key), value) for key, value in sorted(attributes.items()))
    return Markup(
        " ".join(key if value is True else f'{key}="{escape(value)}"' for key, value in cleaned if value is not False)
    )


class QuickSearchInput(SearchInput):
    html_params = staticmethod(html_attributes)


class QuickCheckboxInput(CheckboxInput):
    html_params = staticmethod(html_attributes)


class SearchForm(GuardedForm):
    """What the search box and its filters show; filled from the parsed (corrected) search."""

    class Meta:
        csrf = False

    near = SearchField(
        "Near",
        widget=QuickSearchInput(),
        description="A ZIP code, a town or neighbourhood with its state or city, or a street address",
        render_kw={"maxlength": MAX_PLACE_LENGTH, "autocomplete": "postal-code", "placeholder": "33701 or St. Petersburg, FL"},
    )
    radius = SelectField("Within", choices=[SelectChoice(str(r)) for r in RADIUS_CHOICES])
    unit = SelectField("Unit", choices=[SelectChoice("mi", "miles"), SelectChoice("km", "kilometres")])
    q = SearchField("Name or practice", widget=QuickSearchInput(), render_kw={"maxlength": MAX_TEXT_LENGTH})
    accepting = BooleanField("Accepting new clients only", widget=QuickCheckboxInput())
    modality = MultiCheckboxField("Therapies (all of those ticked)")
    condition = MultiCheckboxField("Conditions treated (any of those ticked)")

    @classmethod
    def for_search(cls, params: SearchParams, vocabulary: Vocabulary) -> "SearchForm":
        """A form showing `params`, with the vocabularies as choices."""
        form = cls(
            formdata=None,
            near=params.near,
            radius=str(params.radius),
            unit=params.unit,
            q=params.text,
            accepting=params.accepting,
            modality=list(params.modalities),
            condition=list(params.conditions),
        )
        form.modality.choices = [SelectChoice(m.slug, m.name) for m in vocabulary.modalities]
        form.condition.choices = [SelectChoice(c.slug, c.name) for c in vocabulary.conditions]
        return form
