"""CSV injection: text that a spreadsheet would run as a formula is written inert and read back unchanged."""
import pytest

from directory.spreadsheet import escape_cell, unescape_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1 727 555 0100", "-5", "@SUM(A1)",
                                  "\tindented", "\rcarriage"])
def test_formula_starts_get_a_leading_quote(text):
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("text", ["Plain", "", "O'Brien", "'quoted'", "''=already quoted", "'-5", "1-800", "a=b"])
def test_every_text_survives_the_round_trip(text):
    assert unescape_cell(escape_cell(text)) == text


def test_harmless_text_is_left_alone():
    assert escape_cell("O'Brien") == "O'Brien" and escape_cell("'quoted'") == "'quoted'"
