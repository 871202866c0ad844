"""The listing form (submit and edit), the report form, and the edit-link request."""
from __future__ import annotations

from typing import Any, Callable

from flask import current_app
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, StopValidation, ValidationError

from directory.forms import GuardedForm, GuardedMeta, MultiCheckboxField, WholeNumberField, database_int, length, plain_name
from directory.geo.names import STATE_NAMES
from directory.listings import rules
from directory.listings.data import ListingData, ProposedLocation
from directory.listings.models import REPORT_REASON_LABELS, ReportReason
from directory.listings.rules import MAX_LOCATIONS, GeocodedAddress, geocode_address
from directory.search.vocabulary import Vocabulary

REPORT_DETAILS_MAX = 1000
STATE_CHOICES = [SelectChoice("", "Choose a state")] + [
    SelectChoice(code, name) for code, name in sorted(STATE_NAMES.items(), key=lambda item: item[1])
]
PRICE_MESSAGE = f"Prices must be whole dollars from {rules.PRICES[0]} to {rules.PRICES[1]:,}."


def rule(check: Callable[[str], str]) -> Callable[[Any, Any], None]:
    """A field validator from a listing rule: the field holds the value as the rule stores it."""
    def validate(form: Any, field: Any) -> None:
        if not field.data:
            return
        try:
            field.data = check(field.data)
        except rules.ListingRuleError as error:
            raise ValidationError(str(error)) from error

    return validate


check_email = rule(rules.email)


def _text(label: str, limit: int, *validators: Any, what: str = "this", **kwargs: Any) -> StringField:
    return StringField(label, [*validators, length(limit, what)], **kwargs)


def _long_text(label: str, limit: int, description: str) -> TextAreaField:
    # No maxlength: the browser would cut pasted text silently; the message says how much is too much.
    return TextAreaField(label, [length(limit)], description=description,
                         render_kw={"rows": 6, "maxlength": False})


class LocationForm(Form):
    """One practice address; the listing form checks it with the geocoder."""

    class Meta(GuardedMeta):
        pass

    street = _text("Street address", rules.STREET_MAX, Optional(), description="Shown on your profile.",
                   render_kw={"autocomplete": "address-line1"})
    city = _text("City", rules.CITY_MAX, Optional(), render_kw={"autocomplete": "address-level2"})
    state = SelectField("State", choices=STATE_CHOICES, default="", render_kw={"autocomplete": "address-level1"})
    postal_code = StringField("ZIP code", [Optional(), rule(rules.postal_code)], render_kw={"inputmode": "numeric", "autocomplete": "postal-code"})

    @property
    def is_empty(self) -> bool:
        """Nothing typed in this location."""
        typed = [self.street.data, self.city.data, self.state.data, self.postal_code.data]
        return not any((value or "").strip() for value in typed)


class ListingFields(GuardedForm):
    """Every public field of a listing plus the private contact email."""

    name = _text("Your name", rules.NAME_MAX, DataRequired("Enter your name as your clients know it."), plain_name,
                 what="your name", render_kw={"autocomplete": "name"})
    practice_name = _text("Practice name", rules.PRACTICE_MAX, Optional(), plain_name, description="Optional.",
                          render_kw={"autocomplete": "organization"})
    credentials = _text("Credentials", rules.SHORT_LIST_MAX, Optional(),
                        description="Letters after your name, separated by commas: for example LMT, NCBTMB.")
    license_number = _text("Massage license number", rules.LICENSE_MAX,
                           DataRequired("Enter your massage license number."))
    license_state = SelectField("State that issued the license", [InputRequired("Choose the state that issued your license.")],
                                choices=STATE_CHOICES, default="")
    years_in_practice = WholeNumberField(
        "Years in practice", [Optional(), NumberRange(*rules.YEARS_IN_PRACTICE, "Enter a number of years from 0 to 80.")],
        message="Enter the number of years as a whole number, like 12.",
    )
    training = _long_text("Training", rules.LONG_TEXT_MAX,
                          "Schools, courses and methods (for example NMT, trigger point). Up to 2,000 characters.")
    certifications = _long_text("Certifications", rules.CERTIFICATIONS_MAX, "One per line. Up to 1,000 characters.")
    bio = _long_text("About you and your practice", rules.LONG_TEXT_MAX,
                     "What clients should know before they call. Plain text, up to 2,000 characters.")
    modalities = MultiCheckboxField("Therapies you offer")
    conditions = MultiCheckboxField("Conditions you treat")
    locations = FieldList(FormField(LocationForm), min_entries=MAX_LOCATIONS, max_entries=MAX_LOCATIONS)
    phone = TelField("Phone", [Optional(), rule(rules.phone)], render_kw={"autocomplete": "tel"})
    email = EmailField("Public email", [Optional(), length(rules.EMAIL_MAX), check_email],
                       description="Shown on your profile.")
    website = URLField("Website", [Optional(), length(rules.WEBSITE_MAX), rule(rules.website)],
                       description="Starting with https://", render_kw={"autocomplete": "url"})
    price_min = WholeNumberField("Lowest price (US$)", [Optional(), NumberRange(*rules.PRICES, PRICE_MESSAGE)],
                                 message="Enter the price in whole dollars, like 90.")
    price_max = WholeNumberField("Highest price (US$)", [Optional(), NumberRange(*rules.PRICES, PRICE_MESSAGE)],
                                 message="Enter the price in whole dollars, like 120.")
    session_lengths = MultiCheckboxField(
        "Session lengths", choices=[SelectChoice(str(n), f"{n} minutes") for n in rules.SESSION_LENGTH_CHOICES], coerce=int
    )
    accepting_new_clients = BooleanField("I am accepting new clients", default=True)
    mobile = BooleanField("I also visit clients at home")
    service_radius_mi = WholeNumberField(
        "How far you travel for home visits (miles)",
        [Optional(), NumberRange(*rules.SERVICE_RADIUS_MI, "Enter a distance from 1 to 100 miles.")],
        message="Enter the distance in whole miles, like 15.",
    )
    languages = _text("Languages", rules.SHORT_LIST_MAX, Optional(), description="Separated by commas.", default="English")
    contact_email = EmailField(
        "Private contact email", [InputRequired("Enter an email address we can reach you at."), length(rules.EMAIL_MAX), check_email],
        description="Never shown. We send your private edit link and moderators' messages here.",
        render_kw={"autocomplete": "email"},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Where the geocoder placed each location, shown beside it; filled by `validate` and `fill`.
        self.resolved: list[GeocodedAddress | None] = [None] * MAX_LOCATIONS

    def with_vocabulary(self, vocabulary: Vocabulary) -> ListingFields:
        """Offer the vocabularies as checkboxes."""
        self.modalities.choices = [SelectChoice(m.slug, m.name) for m in vocabulary.modalities]
        self.conditions.choices = [SelectChoice(c.slug, c.name) for c in vocabulary.conditions]
        return self

    def validate(self, extra_validators: Any = None) -> bool:
        """The field rules, then the rules across fields, then the addresses with the configured geocoder."""
        valid = super().validate(extra_validators)
        self.resolved = [None] * len(self.locations.entries)
        problems = []
        if not (self.price_min.errors or self.price_max.errors):
            problems.append(rules.price_problem(self.price_min.data, self.price_max.data))
        if self.mobile.data and not self.service_radius_mi.errors:
            problems.append(rules.travel_problem(True, self.service_radius_mi.data))
        if not self.phone.errors:
            problems.append(rules.contact_problem(self.phone.data, self.email.data, self.website.data))
        for field_name, message in filter(None, problems):
            self[field_name].errors.append(message)
            valid = False
        return self._validate_locations() and valid

    def _validate_locations(self) -> bool:
        valid = self._check_locations()
        # FieldList gathered its entries' errors before these checks added some.
        errors = [entry.errors for entry in self.locations.entries]
        self.locations.errors = errors if any(errors) else []
        return valid

    def _check_locations(self) -> bool:
        valid = True
        filled = [entry for entry in self.locations.entries if not entry.form.is_empty]
        none = rules.locations_problem(len(filled))
        if none:
            self.locations.entries[0].form.city.errors.append(none[1])
            return False
        geocoder = current_app.extensions["geocoder"]
        for index, entry in enumerate(self.locations.entries):
            location = entry.form
            if location.is_empty:
                continue
            if not (location.city.data or "").strip() and not location.city.errors:
                location.city.errors.append("Enter the city.")
                valid = False
            if not location.state.data and not location.state.errors:
                location.state.errors.append("Choose the state.")
                valid = False
            if any(f.errors for f in location):
                valid = False
                continue
            place = geocode_address(geocoder, location.street.data or "", location.city.data or "",
                                    location.state.data, location.postal_code.data or "")
            if place.problem:
                location.city.errors.append(place.problem)
                valid = False
            else:
                self.resolved[index] = place
        return valid

    def listing_data(self) -> ListingData:
        """The validated form as ListingData (call after `validate`)."""
        locations = []
        for entry, place in zip(self.locations.entries, self.resolved):
            if place is None or place.latitude is None or place.longitude is None:
                continue
            location = entry.form
            proposed = ProposedLocation(
                street=(location.street.data or "").strip(), city=location.city.data.strip(),
                state=location.state.data, postal_code=(location.postal_code.data or "").strip(),
                latitude=place.latitude, longitude=place.longitude, geocoded_as=place.label,
            )
            if proposed not in locations:
                locations.append(proposed)
        mobile = bool(self.mobile.data)
        return ListingData(
            name=self.name.data.strip(),
            practice_name=(self.practice_name.data or "").strip() or None,
            credentials=rules.split_list(self.credentials.data),
            license_number=self.license_number.data.strip(),
            license_state=self.license_state.data,
            years_in_practice=self.years_in_practice.data,
            training=(self.training.data or "").strip(),
            certifications=rules.split_list(self.certifications.data, "\n"),
            bio=(self.bio.data or "").strip(),
            phone=self.phone.data or None,
            email=self.email.data or None,
            website=self.website.data or None,
            price_min=self.price_min.data,
            price_max=self.price_max.data,
            session_lengths=sorted(self.session_lengths.data or []),
            accepting_new_clients=bool(self.accepting_new_clients.data),
            mobile=mobile,
            service_radius_mi=self.service_radius_mi.data if mobile else None,
            languages=rules.split_list(self.languages.data),
            modalities=list(self.modalities.data or []),
            conditions=list(self.conditions.data or []),
            locations=locations,
        )

    def fill(self, data: ListingData, contact_email: str | None) -> None:
        """Show an existing listing (or pending change) in the form."""
        for name in ("name", "practice_name", "license_number", "license_state", "years_in_practice", "training",
                     "bio", "phone", "email", "website", "price_min", "price_max", "accepting_new_clients",
                     "mobile", "modalities", "conditions"):
            getattr(self, name).data = getattr(data, name)
        self.credentials.data = ", ".join(data.credentials)
        self.certifications.data = "\n".join(data.certifications)
        self.languages.data = ", ".join(data.languages)
        self.session_lengths.data = list(data.session_lengths)
        radius = data.service_radius_mi
        self.service_radius_mi.data = int(radius) if radius is not None else None
        self.contact_email.data = contact_email
        for index, location in enumerate(data.locations[:MAX_LOCATIONS]):
            entry = self.locations.entries[index].form
            entry.street.data, entry.city.data = location.street, location.city
            entry.state.data, entry.postal_code.data = location.state, location.postal_code
            self.resolved[index] = GeocodedAddress(location.geocoded_as, location.latitude, location.longitude)


class SubmitListingForm(ListingFields):
    """The public submission form, with a honeypot and the time it was shown."""

    fax = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})
    started = HiddenField()


def _version_shown(field: HiddenField) -> int:
    """The listing version a page was showing (0 if it was tampered with, which is always stale)."""
    return database_int(field.data) or 0


class EditListingForm(ListingFields):
    """The edit form behind a private link; `version` is the listing version it was opened at."""

    version = HiddenField()

    @property
    def expected_version(self) -> int:
        """The version the form was opened at."""
        return _version_shown(self.version)


class VersionForm(GuardedForm):
    """A button that acts on the listing version the page showed (unpublish, publish again)."""

    version = HiddenField()

    @property
    def expected_version(self) -> int:
        """The version the page showed."""
        return _version_shown(self.version)


class DeleteListingForm(VersionForm):
    """Deleting for good needs a tick, so it is never a slip."""

    confirm = BooleanField("I understand that my listing will be deleted for good",
                           [InputRequired("Tick the box to confirm you want to delete the listing.")])


class ConfirmForm(GuardedForm):
    """The one button of the "still accurate" page."""


class EditLinkForm(GuardedForm):
    """Ask for a new edit link by the private contact email."""

    contact_email = EmailField("Private contact email", [InputRequired("Enter the email address you listed with."),
                                                         length(rules.EMAIL_MAX), check_email],
                               render_kw={"autocomplete": "email"})
    fax = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})


class ReportForm(GuardedForm):
    """Report a problem with a listing."""

    reason = RadioField("What is wrong?", [InputRequired("Choose what is wrong with the listing.")],
                        choices=[SelectChoice(reason.value, REPORT_REASON_LABELS[reason]) for reason in ReportReason])
    details = TextAreaField("Details", [length(REPORT_DETAILS_MAX)],
                            description="What should we check? Up to 1,000 characters.",
                            render_kw={"rows": 5, "maxlength": False})
    reporter_email = EmailField("Your email", [length(rules.EMAIL_MAX), check_email],
                                description="Optional, so a moderator can ask you about it. Needed if this is you.",
                                render_kw={"autocomplete": "email"})
    fax = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})

    def validate_details(self, field: Any) -> None:
        """"Something else" needs a word of explanation."""
        if self.reason.data == ReportReason.OTHER.value and not (field.data or "").strip():
            raise StopValidation("Tell us what is wrong.")

    def validate_reporter_email(self, field: Any) -> None:
        """A removal request needs a way to confirm who asks."""
        if self.reason.data == ReportReason.NOT_ME.value and not field.data:
            raise StopValidation("Give your email address so a moderator can confirm it is you.")
