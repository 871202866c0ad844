"""Upserting by slug (seeds, imports): set only the attributes that differ, count what was created or
updated, and give each new modality a free search bit."""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from directory.therapists.models import MAX_SEARCH_BIT


def assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; answer whether any did."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def tally(report: Any, created: bool, changed: bool) -> None:
    """Count one record as created, updated or unchanged in a report with those three counters."""
    if created:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def free_search_bits(used: Iterable[int]) -> Iterator[int]:
    """The search bits no modality has, lowest first."""
    return iter(sorted(set(range(MAX_SEARCH_BIT + 1)) - set(used)))


def take_search_bit(free_bits: Iterator[int], slug: str) -> int:
    """The next free search bit for a new modality, or ValueError when the search has no room left."""
    search_bit = next(free_bits, None)
    if search_bit is None:
        raise ValueError(f"The search has room for {MAX_SEARCH_BIT + 1} modalities; {slug} is one too many.")
    return search_bit
