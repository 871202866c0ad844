"""The listing, report and edit-link forms: every rule and the message it shows."""
from typing import Any

import pytest

from directory.forms import UNSTORABLE_MESSAGE
from directory.listings.forms import EditLinkForm, ReportForm, SubmitListingForm
from directory.search.vocabulary import load_vocabulary


def _form(app, form_class, data: dict[str, Any]):
    with app.test_request_context(method="POST", data=data):
        form = form_class(meta={"csrf": False})
        if hasattr(form, "with_vocabulary"):
            form.with_vocabulary(load_vocabulary())
        form.validate()
        return form


def _errors(form) -> dict[str, list[str]]:
    """Field errors flattened to dotted names: locations.0.city."""
    flat: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        if name == "locations":
            for index, entry in enumerate(errors):
                for sub, messages in (entry or {}).items():
                    flat[f"locations.{index}.{sub}"] = messages
        else:
            flat[name] = errors
    return flat


def test_a_complete_submission_is_valid_and_normalised(app, listing_form):
    form = _form(app, SubmitListingForm, listing_form(phone="727.555.0123", contact_email="Dana@EXAMPLE.com"))
    assert form.errors == {}
    data = form.listing_data()
    assert data.phone == "(727) 555-0123"
    assert form.contact_email.data == "Dana@example.com"
    assert data.credentials == ["LMT", "NCBTMB"]
    assert data.certifications == ["NMT Level 1", "NMT Level 2"]
    assert data.languages == ["English", "Spanish"]
    assert data.session_lengths == [60, 90]
    assert data.modalities == ["nmt-st-john", "trigger-point"]
    [location] = data.locations
    assert (location.street, location.city, location.state, location.postal_code) == (
        "200 Central Ave", "St. Petersburg", "FL", "33701")
    assert location.geocoded_as == "200 Central Ave, Saint Petersburg, FL 33701"
    assert form.resolved[0].label == location.geocoded_as


def test_international_numbers_keep_their_country_code(app, listing_form):
    form = _form(app, SubmitListingForm, listing_form(phone="+44 20 7946 0958"))
    assert form.listing_data().phone == "+44 20 7946 0958"


def test_home_visit_radius_is_dropped_when_not_mobile(app, listing_form):
    form = _form(app, SubmitListingForm, listing_form(service_radius_mi="20"))
    assert form.listing_data().service_radius_mi is None
    mobile = _form(app, SubmitListingForm, listing_form(mobile="y", service_radius_mi="20"))
    assert (mobile.listing_data().mobile, mobile.listing_data().service_radius_mi) == (True, 20)


LONG = "x" * 2001

RULES = [
    ({"name": ""}, "name", "Enter your name as your clients know it."),
    ({"name": "n" * 121}, "name", "Keep your name to 120 characters or fewer (it has 121)."),
    ({"name": "Dana\x00"}, "name", UNSTORABLE_MESSAGE),
    ({"practice_name": "p" * 161}, "practice_name", "Keep this to 160 characters or fewer (it has 161)."),
    ({"license_number": ""}, "license_number", "Enter your massage license number."),
    ({"license_number": "L" * 41}, "license_number", "Keep this to 40 characters or fewer (it has 41)."),
    ({"license_state": ""}, "license_state", "Choose the state that issued your license."),
    ({"years_in_practice": "many"}, "years_in_practice", "Enter the number of years as a whole number, like 12."),
    ({"years_in_practice": "81"}, "years_in_practice", "Enter a number of years from 0 to 80."),
    ({"training": LONG}, "training", "Keep this to 2,000 characters or fewer (it has 2001)."),
    ({"bio": LONG}, "bio", "Keep this to 2,000 characters or fewer (it has 2001)."),
    ({"certifications": "c" * 1001}, "certifications", "Keep this to 1,000 characters or fewer (it has 1001)."),
    ({"modalities": ["reiki-for-cats"]}, "modalities", "'reiki-for-cats' is not a valid choice for this field."),
    ({"phone": "12345"}, "phone", "That is not a valid phone number; include the area code, like (727) 555-0123."),
    ({"phone": "call me"}, "phone", "Enter a phone number with its area code, like (727) 555-0123."),
    ({"phone": "", "email": "", "website": ""}, "phone",
     "Give clients at least one way to reach you: a phone number, an email or a website."),
    ({"email": "dana@"}, "email", "Enter a valid email address, like name@example.com"),
    ({"contact_email": ""}, "contact_email", "Enter an email address we can reach you at."),
    ({"contact_email": "not an email"}, "contact_email", "Enter a valid email address, like name@example.com"),
    ({"website": "javascript:alert(1)"}, "website", "Enter the full web address, starting with https:// (or http://)."),
    ({"website": "www.example.com"}, "website", "Enter the full web address, starting with https:// (or http://)."),
    ({"website": "ftp://example.com/file"}, "website", "Enter the full web address, starting with https:// (or http://)."),
    ({"price_min": "0"}, "price_min", "Prices must be whole dollars from 1 to 10,000."),
    ({"price_min": "-20"}, "price_min", "Prices must be whole dollars from 1 to 10,000."),
    ({"price_min": "79.50"}, "price_min", "Enter the price in whole dollars, like 90."),
    ({"price_min": "120", "price_max": "80"}, "price_max", "The highest price must be at least the lowest price."),
    ({"price_min": "", "price_max": "80"}, "price_min",
     "Give your lowest price too (the same as the highest if there is one price)."),
    ({"mobile": "y"}, "service_radius_mi", "Say how many miles you travel for home visits (1 to 100)."),
    ({"mobile": "y", "service_radius_mi": "150"}, "service_radius_mi", "Enter a distance from 1 to 100 miles."),
    ({"languages": "l" * 201}, "languages", "Keep this to 200 characters or fewer (it has 201)."),
    ({"locations-0-street": "", "locations-0-city": "", "locations-0-state": "", "locations-0-postal_code": ""},
     "locations.0.city", "Enter the city and state of at least one practice location."),
    ({"locations-0-city": ""}, "locations.0.city", "Enter the city."),
    ({"locations-0-state": ""}, "locations.0.state", "Choose the state."),
    ({"locations-0-postal_code": "3370"}, "locations.0.postal_code", "Enter a 5-digit ZIP code, like 33701."),
    ({"locations-0-street": "", "locations-0-city": "Xyzzyville", "locations-0-postal_code": ""}, "locations.0.city",
     "We couldn't find “Xyzzyville, FL” on the map. Check the city and state, or add the ZIP code."),
    ({"locations-1-city": "Tampa"}, "locations.1.state", "Choose the state."),
]


@pytest.mark.parametrize("overrides, field, message", RULES, ids=[f"{r[1]}-{i}" for i, r in enumerate(RULES)])
def test_each_rule_has_its_message(app, listing_form, overrides, field, message):
    form = _form(app, SubmitListingForm, listing_form(**overrides))
    errors = _errors(form)
    assert field in errors, errors
    assert any(e.startswith(message) for e in errors[field]), errors[field]
    assert set(errors) == {field}, errors


def test_second_and_third_locations_are_optional_and_geocoded(app, listing_form):
    form = _form(app, SubmitListingForm, listing_form(**{"locations-2-city": "Tampa", "locations-2-state": "FL"}))
    assert form.errors == {}
    data = form.listing_data()
    assert [loc.city for loc in data.locations] == ["St. Petersburg", "Tampa"]
    assert data.locations[1].geocoded_as == "Tampa, FL"
    assert form.resolved[1] is None and form.resolved[2].label == "Tampa, FL"


def test_report_form_rules(app):
    assert _form(app, ReportForm, {}).errors == {"reason": ["Choose what is wrong with the listing."]}
    assert _form(app, ReportForm, {"reason": "other"}).errors == {"details": ["Tell us what is wrong."]}
    assert _form(app, ReportForm, {"reason": "not_me"}).errors == {
        "reporter_email": ["Give your email address so a moderator can confirm it is you."]}
    assert _form(app, ReportForm, {"reason": "closed", "details": "d" * 1001}).errors == {
        "details": ["Keep this to 1,000 characters or fewer (it has 1001)."]}
    assert _form(app, ReportForm, {"reason": "sneaky"}).errors == {"reason": ["Not a valid choice."]}
    assert _form(app, ReportForm, {"reason": "closed"}).errors == {}


def test_edit_link_form_rules(app):
    assert _form(app, EditLinkForm, {}).errors == {"contact_email": ["Enter the email address you listed with."]}
    assert _form(app, EditLinkForm, {"contact_email": "dana@example.com"}).errors == {}
