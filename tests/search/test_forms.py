"""The search form's inputs write their attributes exactly as WTForms would."""
import pytest
from wtforms.widgets import html_params

from directory.forms import html_attributes


@pytest.mark.parametrize(
    "attributes",
    [
        {"id": "near", "name": "near", "type": "search", "value": 'St. "Pete" <FL> & co', "maxlength": 200},
        {"aria_describedby": "near-hint", "data_print_url": "x", "class_": "a", "for_": "b", "aria-label": "c"},
        {"checked": True, "disabled": False, "value": "y", "placeholder": ""},
        {},
    ],
)
def test_html_attributes_match_wtforms(attributes):
    assert html_attributes(**attributes) == html_params(**attributes)
