"""Diagnostics of the search's statements: the database's query plan, and the steps that read a whole table
(the tests and `make bench` check that the search never does)."""
from __future__ import annotations

import re

from sqlalchemy import text

from directory.extensions import db
from directory.search.nearby import Statement, dialect


# SQLite names a table by its alias in the search's statements (nearby.py) (p, t, tm, c, v), PostgreSQL by its name; an
# R*Tree's "SCAN p VIRTUAL TABLE INDEX" is a search of the spatial index.
_FULL_SCAN_RE = re.compile(
    r"\b(SCAN|Seq Scan on) (listing_points|locations|therapists|therapist_modalities|therapist_conditions|p|t|tm|c|v)\b"
    r"(?! VIRTUAL)"
)


def query_plan(statement: Statement) -> list[str]:
    """The database's plan for `statement`, one line per step."""
    explain = text(f"EXPLAIN QUERY PLAN {statement.sql.text}" if dialect() == "sqlite" else f"EXPLAIN {statement.sql.text}")
    rows = db.session.execute(explain, statement.values)
    return [row[-1] if dialect() == "sqlite" else row[0] for row in rows]


def full_scans(plan: list[str]) -> list[str]:
    """The steps of a plan that read a whole table of listings."""
    return [step for step in plan if _FULL_SCAN_RE.search(step)]
