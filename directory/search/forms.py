"""The search form (GET, so no CSRF token)."""
from wtforms import BooleanField, SearchField, SelectChoice, SelectField

from directory.forms import GuardedForm, MultiCheckboxField, QuickCheckboxInput, QuickSearchInput
from directory.search.services import MAX_PLACE_LENGTH, MAX_TEXT_LENGTH, RADIUS_CHOICES, SearchParams
from directory.search.regions import PainMap
from directory.search.vocabulary import Vocabulary


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
    regions = MultiCheckboxField(
        "Where does it hurt?",
        description="Tick where you feel it; we tick the conditions and therapy that fit, and you can change them.",
    )

    @classmethod
    def for_search(cls, params: SearchParams, vocabulary: Vocabulary, pains: PainMap) -> "SearchForm":
        """A form showing `params`, with the vocabularies and the body regions as choices."""
        form = cls(
            formdata=None,
            near=params.near,
            radius=str(params.radius),
            unit=params.unit,
            q=params.text,
            accepting=params.accepting,
            modality=list(params.modalities),
            condition=list(params.conditions),
            regions=list(params.regions),
        )
        form.modality.choices = [SelectChoice(m.slug, m.name) for m in vocabulary.modalities]
        form.condition.choices = [SelectChoice(c.slug, c.name) for c in vocabulary.conditions]
        form.regions.choices = [SelectChoice(r.slug, r.label) for r in pains.regions]
        return form
