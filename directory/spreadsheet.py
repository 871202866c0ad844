"""Cells that spreadsheets would run as formulas, made inert for export and restored on import.

OWASP's CSV injection advice: a text cell that starts with `=`, `+`, `-`, `@`, tab or carriage return
gets a leading `'`, which spreadsheets show as text and hide. Cells that already start with quotes
before such a character get one more, so `unescape_cell(escape_cell(text)) == text` for every text.
Only text cells go through here: numbers (a negative longitude) stay numbers.
"""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _looks_like_formula_after_quotes(value: str) -> bool:
    return value.lstrip(QUOTE).startswith(FORMULA_STARTS)


def escape_cell(value: str) -> str:
    """The text as it is safe to write into a CSV cell."""
    return QUOTE + value if _looks_like_formula_after_quotes(value) else value


def unescape_cell(value: str) -> str:
    """The text that `escape_cell` was given."""
    if value.startswith(QUOTE) and _looks_like_formula_after_quotes(value):
        return value[1:]
    return value
