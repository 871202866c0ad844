"""Where it hurts: the body regions a person can tick, and what they mean for the search, the
"what may be going on" panel and the interview checklist, as `seeds/pain_regions.json` says.

The data file is read once per process; nothing about the person is stored here.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from flask import current_app


@dataclass(frozen=True)
class Area:
    """A part of the body, shown on the front or the back of the outline."""

    slug: str
    name: str
    view: str


@dataclass(frozen=True)
class Region:
    """An area on one side: what a person ticks (`neck-right`)."""

    slug: str
    area: Area
    side: str
    label: str
    side_name: str


@dataclass(frozen=True)
class Rule:
    """When all `when` areas are ticked: add `conditions`, suggest `therapy`, and say `why`."""

    when: frozenset[str]
    conditions: tuple[str, ...]
    therapy: str | None
    why: str


@dataclass(frozen=True)
class Note:
    """A piece of text for the panel or the checklist, shown when any of its areas is ticked."""

    when_any: frozenset[str]
    text: str
    one_side_only: bool = False
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionFilters:
    """The filters ticked regions set, and the reasons, in the data file's words."""

    conditions: tuple[str, ...]
    therapies: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    """What the search and the "what may be going on" panel say about the ticked regions."""

    labels: tuple[str, ...]
    filters: RegionFilters
    explanations: tuple[str, ...]
    self_help: tuple[str, ...]
    safety: str


class PainMap:
    """The regions in display order and the rules that turn ticked regions into filters and notes."""

    def __init__(self, content: dict[str, Any]):
        self.version: int = content["version"]
        self.areas = tuple(Area(a["slug"], a["name"], a["view"]) for a in content["areas"])
        sides = [(s["slug"], s["name"]) for s in content["sides"]]
        self.regions = tuple(
            Region(f"{area.slug}-{side}", area, side, f"{area.name}, {side_name}", side_name)
            for area in self.areas
            for side, side_name in sides
        )
        self._regions = {r.slug: r for r in self.regions}
        # Each area's regions (its sides), for the checkboxes listed area by area.
        self.sides: dict[str, tuple[Region, ...]] = {
            area.slug: tuple(r for r in self.regions if r.area.slug == area.slug) for area in self.areas
        }
        self.rules = tuple(
            Rule(frozenset(r["when"]), tuple(r["conditions"]), r.get("therapy"), r["why"]) for r in content["rules"]
        )
        self.explanations = _notes(content["explanations"])
        self.self_help = _notes(content["self_help"])
        self.checklist = _notes(content["checklist"], text_key="why")
        self.safety: str = content["safety"]

    def region(self, slug: str) -> Region | None:
        return self._regions.get(slug)

    def known(self, slugs: Iterable[str]) -> tuple[str, ...]:
        """The known region slugs among `slugs`, once each, in display order."""
        wanted = set(slugs)
        return tuple(r.slug for r in self.regions if r.slug in wanted)

    def labels(self, slugs: Iterable[str]) -> list[str]:
        """What the person ticked, in words ("Neck, right side")."""
        return [self._regions[s].label for s in self.known(slugs)]

    def filters_for(self, slugs: Iterable[str]) -> RegionFilters:
        """The conditions (any may match) and therapies (all must match) that the ticked regions set."""
        rules = self._applying(slugs)
        conditions = tuple(dict.fromkeys(c for rule in rules for c in rule.conditions))
        therapies = {rule.therapy for rule in rules}
        # Only a therapy every applying rule suggests: ticked therapies must all match.
        therapy = therapies.pop() if len(therapies) == 1 else None
        return RegionFilters(conditions, (therapy,) if therapy else (), tuple(rule.why for rule in rules))

    def guide(self, slugs: Iterable[str]) -> Guide | None:
        """Everything the pages say about the ticked regions; None when none is ticked."""
        ticked = self.known(slugs)
        if not ticked:
            return None
        return Guide(
            tuple(self.labels(ticked)),
            self.filters_for(ticked),
            tuple(self.explanations_for(ticked)),
            tuple(self.self_help_for(ticked)),
            self.safety,
        )

    def explanations_for(self, slugs: Iterable[str]) -> list[str]:
        """The "what may be going on" paragraphs for the ticked regions."""
        return [note.text for note in self._notes_for(self.explanations, slugs)]

    def self_help_for(self, slugs: Iterable[str]) -> list[str]:
        """The article's self-help ideas that fit the ticked regions."""
        return [note.text for note in self._notes_for(self.self_help, slugs)]

    def checklist_questions_for(self, slugs: Iterable[str]) -> dict[str, str]:
        """The checklist questions that matter most for the ticked regions, each with why."""
        marked: dict[str, str] = {}
        for note in self._notes_for(self.checklist, slugs):
            for key in note.questions:
                marked.setdefault(key, note.text)
        return marked

    def _areas(self, slugs: Iterable[str]) -> set[str]:
        return {self._regions[s].area.slug for s in self.known(slugs)}

    def _applying(self, slugs: Iterable[str]) -> list[Rule]:
        areas = self._areas(slugs)
        return [rule for rule in self.rules if rule.when <= areas] if areas else []

    def _notes_for(self, notes: tuple[Note, ...], slugs: Iterable[str]) -> list[Note]:
        ticked = self.known(slugs)
        areas = self._areas(ticked)
        one_sided = len({self._regions[s].side for s in ticked}) == 1
        return [n for n in notes if n.when_any & areas and (one_sided or not n.one_side_only)]


def _notes(entries: list[dict[str, Any]], text_key: str = "text") -> tuple[Note, ...]:
    return tuple(
        Note(frozenset(e["when_any"]), e[text_key], e.get("one_side_only", False), tuple(e.get("questions", ())))
        for e in entries
    )


@functools.lru_cache(maxsize=4)
def load_pain_map(seeds_dir: str | Path) -> PainMap:
    """The pain map of `seeds_dir`/pain_regions.json, read once per process."""
    with open(Path(seeds_dir) / "pain_regions.json", encoding="utf-8") as handle:
        return PainMap(json.load(handle))


def pain_map() -> PainMap:
    """The application's pain map (from its SEEDS_DIR)."""
    return load_pain_map(current_app.config["SEEDS_DIR"])


def regions_asked_for(args: Any) -> tuple[str, ...]:
    """The regions a request's query ticks (`regions=`, repeated) that the pain map knows; the rest are dropped."""
    return pain_map().known(args.getlist("regions"))
