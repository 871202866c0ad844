"""The template helpers: every page writes a date the same way, in UTC; templates are read compacted."""
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from directory.templating import format_date

MOMENT = datetime(2026, 3, 7, 9, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("style, shown", [
    ("day", "March 7, 2026"),
    ("time", "March 7, 2026 09:05 UTC"),
    ("short", "Mar 7, 2026"),
    ("table", "2026-03-07 09:05"),
])
def test_each_style(style, shown):
    assert format_date(MOMENT, style) == shown


def test_naive_datetimes_are_utc_and_others_are_converted():
    assert format_date(MOMENT.replace(tzinfo=None), "time") == "March 7, 2026 09:05 UTC"
    eastern = MOMENT.astimezone(timezone(timedelta(hours=-5)))
    assert format_date(eastern, "time") == "March 7, 2026 09:05 UTC"


def test_dates_and_nothing():
    assert format_date(date(2026, 12, 25)) == "December 25, 2026"
    assert format_date(None) == ""
    with pytest.raises(ValueError):
        format_date(MOMENT, "fancy")


def test_templates_use_the_filter(app):
    rendered = app.jinja_env.from_string("{{ moment | date('short') }}").render(moment=MOMENT)
    assert rendered == "Mar 7, 2026"


def test_templates_are_read_without_indentation_or_tag_only_lines(app):
    source = "<ul>\n  {% for item in items %}\n    <li>{{ item }}</li>\n  {% endfor %}\n</ul>\n<p>Treats:\n  {{ what }}  \n  more</p>"
    rendered = app.jinja_env.from_string(source).render(items=["a", "b"], what="knots")
    assert rendered == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>Treats:\nknots\nmore</p>"


def test_a_line_break_a_tag_controls_is_kept(app):
    # After "-%}" the line break before the tag-only line is already gone: the one after it is all that separates.
    source = "<p>a{% if shown -%}\n{% endif %}\nb {% if shown %}\n{%- endif %}\nc</p>"
    assert app.jinja_env.from_string(source).render(shown=True) == "<p>a\nb \nc</p>"


def test_names_joins_the_names_and_is_escaped_on_output(app):
    class Named:
        def __init__(self, name: str):
            self.name = name

    items = [Named("NMT"), Named("Trigger <point>")]
    assert app.jinja_env.from_string("{{ items | names }}").render(items=items) == "NMT · Trigger &lt;point&gt;"
    assert app.jinja_env.from_string("{{ items | names(', ') }}").render(items=items[:1]) == "NMT"


def test_no_template_writes_an_if_expression_without_else():
    # `{{ 'x' if c }}` yields Undefined when c is false, and escaping Undefined raises and catches an
    # AttributeError: `{% if c %}x{% endif %}` writes the same for nothing.
    templates = Path(__file__).resolve().parents[1] / "templates"
    bare = [f"{path.name}: {match}" for path in templates.rglob("*.html")
            for match in re.findall(r"\{\{[^}]* if [^}]*\}\}", path.read_text(encoding="utf-8")) if " else " not in match]
    assert bare == []


@pytest.mark.parametrize("args", [
    {},
    {"near": "Clearwater, FL", "radius": 10, "unit": "mi", "modality": ["swedish", "nmt-st-john"], "accepting": "1"},
    {"q": "Ana & Bo's/“studio” 100%", "page": 2, "regions": ["neck-left"]},
])
def test_search_url_is_what_url_for_writes(app, args):
    from flask import url_for

    with app.test_request_context("/", base_url="http://directory.test/sub"):
        search_url = app.jinja_env.globals["search_url"]
        assert search_url(args) == url_for("search.results", **args)
        assert search_url(args).startswith("/sub/search")
