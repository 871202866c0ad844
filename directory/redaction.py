"""Secret link tokens out of anything written to a log: private edit, still-accurate and checklist links."""
from __future__ import annotations

import re

REDACTED = "[redacted]"
# The path segment after these prefixes is a secret token. /checklists/new, /mine, /compare and /marks are not tokens.
_SECRET_SEGMENT = re.compile(
    r"(/list-your-practice/(?:edit|still-accurate)/|/checklists/(?!(?:new|mine|compare|marks)(?:[/?#\s\"']|$)))"
    r"[^/?#\s\"']+"
)


def redact_secrets(text: str) -> str:
    """The text with every secret token in a site path replaced by "[redacted]"."""
    return _SECRET_SEGMENT.sub(lambda match: match.group(1) + REDACTED, text)
