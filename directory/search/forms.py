"""The search form (GET, so no CSRF token)."""
from __future__ import annotations

from wtforms import BooleanField, SearchField, SelectChoice, SelectField

from directory.forms import GuardedForm, MultiCheckboxField, QuickCheckboxInput, QuickSearchInput
from directory.listings.rules import SESSION_LENGTH_CHOICES
from directory.search.offers import PRICE_CHOICES, load_languages
from directory.search.regions import PainMap
from directory.search.params import MAX_PLACE_LENGTH, MAX_TEXT_LENGTH, RADIUS_CHOICES, SearchParams
from directory.search.services import SearchResults
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
    max_price = SelectField(
        "Highest price per session",
        description="A listing's lowest price for one session must be at or under this; listings without a price are left out.",
    )
    language = MultiCheckboxField("Languages spoken (all of those ticked)")
    session_length = MultiCheckboxField(
        "Session lengths offered (all of those ticked)",
        choices=[SelectChoice(n, f"{n} minutes") for n in SESSION_LENGTH_CHOICES], coerce=int,
    )
    home_visits = BooleanField(
        "Visits you at home", widget=QuickCheckboxInput(),
        description="Mobile therapists whose service area reaches the place you search (without a place: all who visit).",
    )
    nmt_training = BooleanField(
        "NMT training on file", widget=QuickCheckboxInput(),
        description="Their training or certifications name neuromuscular therapy (NMT, either lineage), as the therapist wrote them.",
    )
    regions = MultiCheckboxField(
        "Where does it hurt?",
        description="Tick where you feel it; we tick the conditions and therapy that fit, and you can change them.",
    )

    @classmethod
    def for_search(cls, params: SearchParams, vocabulary: Vocabulary, results: SearchResults | None = None, *,
                   pains: PainMap) -> SearchForm:
        """A form showing `params`, with the vocabularies and the body regions as choices; with `results`, the prices
        and the home visit and NMT training choices say how many of the therapists found offer them."""
        form = cls(
            formdata=None,
            near=params.near,
            radius=str(params.radius),
            unit=params.unit,
            q=params.text,
            accepting=params.accepting,
            modality=list(params.modalities),
            condition=list(params.conditions),
            max_price="" if params.max_price is None else str(params.max_price),
            language=list(params.languages),
            session_length=list(params.session_lengths),
            home_visits=params.home_visits,
            nmt_training=params.nmt_training,
            regions=list(params.regions),
        )
        if params.near:
            # The example is for an empty box: once a place is searched, the results come sooner without it.
            form.near.description = ""
        form.modality.choices = [SelectChoice(m.slug, m.name) for m in vocabulary.modalities]
        form.condition.choices = [SelectChoice(c.slug, c.name) for c in vocabulary.conditions]
        form.regions.choices = [SelectChoice(r.slug, r.label) for r in pains.regions]
        form.language.choices = [SelectChoice(language.slug, language.name) for language in load_languages()]
        form._offer_choices(params, results)
        return form

    def _offer_choices(self, params: SearchParams, results: SearchResults | None) -> None:
        """The price ceilings (and one typed into the address), each with its count when there are results."""
        chosen = params.max_price
        prices = sorted({*PRICE_CHOICES, *([chosen] if chosen is not None else [])})
        self.max_price.choices = [SelectChoice("", "Any price")] + [
            SelectChoice(str(price), f"Up to ${price:,}{_price_count(price, chosen, results)}") for price in prices
        ]
        if results is not None:
            self.home_visits.label.text += _count(results.offer_counts.home_visits, results.capped)
            self.nmt_training.label.text += _count(results.offer_counts.nmt_training, results.capped)


def _count(n: int, at_least: bool) -> str:
    return f" ({n}{'+' if at_least else ''})"


def _price_count(price: int, chosen: int | None, results: SearchResults | None) -> str:
    """How many found cost at most `price`; past the ceiling chosen, at least those found now."""
    if results is None:
        return ""
    if price == chosen:
        return _count(results.total, results.capped)
    return _count(results.offer_counts.prices[price], results.capped or (chosen is not None and price > chosen))
