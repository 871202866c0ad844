"""The active filters of a search, each with the search without it: the removable chips above the results,
and, when nothing matches, what dropping each filter (or widening the circle) would give.

A filter of SearchParams is one entry of FILTER_LABELS; everything here follows from that table.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Callable

from directory.search.params import RADIUS_CHOICES, SearchParams, apply_regions

from directory.search.services import COUNT_CAP, Found, count_therapists
from directory.search.offers import load_languages
from directory.search.regions import Region, pain_map
from directory.search.vocabulary import Term, Vocabulary

# Per filter (a SearchParams field), the chip's label for one of its values. A tuple field gives a chip per
# value; any other gives one chip, and removing it puts the field back to its default.
FILTER_LABELS: dict[str, Callable[[Any, Vocabulary], str]] = {
    "modalities": lambda slug, vocabulary: _name(vocabulary.modality(slug), slug),
    "conditions": lambda slug, vocabulary: _name(vocabulary.condition(slug), slug),
    "accepting": lambda _, vocabulary: "Accepting new clients",
    "text": lambda text, vocabulary: f"Name or practice: “{text}”",
    "max_price": lambda dollars, vocabulary: f"Up to ${dollars:,} a session",
    "languages": lambda slug, vocabulary: f"Speaks {_language_names()[slug]}",
    "session_lengths": lambda minutes, vocabulary: f"{minutes}-minute sessions",
    "home_visits": lambda _, vocabulary: "Visits you at home",
    "nmt_training": lambda _, vocabulary: "NMT training on file",
    "regions": lambda slug, vocabulary: f"Where it hurts: {_name(pain_map().region(slug), slug)}",
}
# Not filters: the place and the page, and which regions' filters were already ticked for the person.
NOT_FILTERS = frozenset({"near", "radius", "unit", "page", "applied"})
_DEFAULTS = {f.name: f.default for f in fields(SearchParams)}


def _name(known: Term | Region | None, slug: str) -> str:
    """What a parsed (so known) slug is called."""
    if isinstance(known, Region):
        return known.label
    return known.name if known else slug


def _language_names() -> dict[str, str]:
    return {language.slug: language.name for language in load_languages()}
# Dropping filters one at a time costs a count each; past this many only "clear the filters" is counted.
MAX_COUNTED_FILTERS = 8


@dataclass(frozen=True)
class ActiveFilter:
    """One filter value that narrows the search, and the same search (page 1) without it."""

    label: str
    without: SearchParams


def active_filters(params: SearchParams, vocabulary: Vocabulary) -> list[ActiveFilter]:
    """Every filter value set in `params`, in the order of FILTER_LABELS."""
    active = []
    for name, label in FILTER_LABELS.items():
        value = getattr(params, name)
        if value == _DEFAULTS[name]:
            continue
        if isinstance(value, tuple):
            active += [
                ActiveFilter(label(item, vocabulary), _without(params, **{name: tuple(v for v in value if v != item)}))
                for item in value
            ]
        else:
            active.append(ActiveFilter(label(value, vocabulary), _without(params, **{name: _DEFAULTS[name]})))
    return active


def _without(params: SearchParams, **changes: Any) -> SearchParams:
    """The search (page 1) with `changes`; a region taken away takes the filters it set with it."""
    return apply_regions(replace(params, page=1, **changes), pain_map())


@dataclass(frozen=True)
class Relaxation:
    """A change to a search that found nothing, and how many therapists the changed search finds."""

    label: str
    params: SearchParams
    total: int

    @property
    def capped(self) -> bool:
        """Whether the total is "at least" (counts stop at COUNT_CAP)."""
        return self.total >= COUNT_CAP


def relaxations(params: SearchParams, vocabulary: Vocabulary, found: Found) -> list[Relaxation]:
    """For a search that found nobody, the changes that find someone, each with its total: dropping one
    filter (for up to MAX_COUNTED_FILTERS filters), dropping them all, and the smallest wider radius that
    reaches the nearest match at any distance. At most MAX_COUNTED_FILTERS + 2 counts; none when someone was found.
    """
    results = found.results
    if results.total or results.past_end:
        return []
    active = active_filters(params, vocabulary)
    tried = [(f"Without “{f.label}”", f.without) for f in active[:MAX_COUNTED_FILTERS]]
    if len(active) > 1:
        tried.append(("Without any filter", replace(params.without_filters(), page=1)))
    point = found.located.place.point if found.located else None
    nearest = results.nearest_elsewhere[0].distance if results.nearest_elsewhere else None
    wider = [r for r in RADIUS_CHOICES if nearest is not None and params.radius < r and nearest <= r]
    if point is not None and wider:
        tried.append((f"Within {wider[0]} {params.unit}", replace(params, radius=wider[0], page=1)))
    counted = [Relaxation(label, changed, count_therapists(changed, vocabulary, point)) for label, changed in tried]
    return [relaxation for relaxation in counted if relaxation.total > 0]
