"""Load the seed files into the database, idempotently.

Vocabularies (modalities, conditions) and the checklist belong to the site: each entry is matched by
its slug and only what differs is written, so a second run changes nothing. The fictional sample
listings are loaded only when asked, and only those missing are added: a sample that exists belongs
to its moderator from then on, so a seed run never overwrites it or publishes it again.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from directory.checklists.models import ChecklistVersion
from directory.extensions import db
from directory.listings.data import SCALAR_FIELDS, ListingData, ProposedLocation, VocabularyTerms, write_listing
from directory.search.offers import languages_in, sync_language_names
from directory.therapists.models import Condition, ListingStatus, Modality, Therapist
from directory.therapists.sync import assign as _assign
from directory.therapists.sync import free_search_bits, take_search_bit
from directory.therapists.sync import tally as _tally

@dataclass
class SeedReport:
    """What a seed run did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def read_seed(seeds_dir: str | Path, name: str) -> dict[str, Any]:
    """Parse one JSON seed file."""
    with open(Path(seeds_dir) / name, encoding="utf-8") as handle:
        return json.load(handle)


def seed_vocabularies(seeds_dir: str | Path) -> SeedReport:
    """Upsert modalities (with their parents) and conditions, and write the names the search knows languages by."""
    report = SeedReport()
    entries = read_seed(seeds_dir, "modalities.json")["modalities"]
    existing = {m.slug: m for m in db.session.scalars(select(Modality))}
    free_bits = free_search_bits(m.search_bit for m in existing.values())
    for position, entry in enumerate(entries):
        modality = existing.get(entry["slug"])
        created = modality is None
        if modality is None:
            search_bit = take_search_bit(free_bits, entry["slug"])
            modality = existing[entry["slug"]] = Modality(slug=entry["slug"], search_bit=search_bit)
            db.session.add(modality)
        changed = _assign(
            modality, {"name": entry["name"], "description": entry["description"], "position": position}
        )
        parent = existing.get(entry["parent"]) if entry.get("parent") else None
        if modality.parent is not parent:
            modality.parent = parent
            changed = True
        _tally(report, created, changed)

    conditions = {c.slug: c for c in db.session.scalars(select(Condition))}
    for position, entry in enumerate(read_seed(seeds_dir, "conditions.json")["conditions"]):
        condition = conditions.get(entry["slug"])
        created = condition is None
        if created:
            condition = Condition(slug=entry["slug"])
            db.session.add(condition)
        changed = _assign(
            condition, {"name": entry["name"], "description": entry["description"], "position": position}
        )
        _tally(report, created, changed)
    sync_language_names(languages_in(str(seeds_dir)))
    db.session.flush()
    return report


def seed_therapists(seeds_dir: str | Path) -> SeedReport:
    """Add the fictional sample listings that are missing, published and marked as samples."""
    report = SeedReport()
    terms = VocabularyTerms()
    existing = set(db.session.scalars(select(Therapist.slug)))
    for entry in read_seed(seeds_dir, "therapists.json")["therapists"]:
        if entry["slug"] in existing:
            report.unchanged += 1
            continue
        therapist = Therapist(slug=entry["slug"], status=ListingStatus.PUBLISHED.value, is_sample=True)
        write_listing(therapist, sample_listing(entry), terms)
        db.session.add(therapist)
        report.created += 1
    db.session.flush()
    return report


def sample_listing(entry: dict[str, Any]) -> ListingData:
    """A sample listing of seeds/therapists.json as ListingData."""
    values = {name: entry[name] for name in SCALAR_FIELDS}
    locations = [ProposedLocation(**{key: value for key, value in location.items() if key != "country"})
                 for location in entry["locations"]]
    return ListingData(**values, modalities=entry["modalities"], conditions=entry["conditions"], locations=locations)


class SeedError(Exception):
    """A seed file contradicts what is already stored."""


def seed_checklist(seeds_dir: str | Path) -> SeedReport:
    """Store each checklist version that is new. A stored version is never changed: filled-in checklists
    keep the questions (and answer choices) they were filled in with, so new wording needs a new version."""
    report = SeedReport()
    for content in read_seed(seeds_dir, "checklist.json")["versions"]:
        stored = db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.version == content["version"]))
        if stored is None:
            db.session.add(ChecklistVersion(version=content["version"], content=content))
            db.session.flush()
            report.created += 1
        elif stored.content != content:
            raise SeedError(
                f"seeds/checklist.json differs from the stored version {content['version']}; "
                "give the new wording a new version number."
            )
        else:
            report.unchanged += 1
    return report


def seed_all(seeds_dir: str | Path, samples: bool = False) -> dict[str, SeedReport]:
    """Seed vocabularies and the checklist, then (when asked) the missing sample listings, in one transaction."""
    reports = {
        "vocabularies": seed_vocabularies(seeds_dir),
        "checklist": seed_checklist(seeds_dir),
    }
    if samples:
        reports["sample listings"] = seed_therapists(seeds_dir)
    db.session.commit()
    return reports
