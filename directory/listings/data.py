"""A listing as data, and the one way it is written: ListingData is what the listing form, an HSDS import
row and a seed entry become, and what a Revision stores; `write_listing` makes a Therapist say what it says."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import select

from directory.extensions import db
from directory.listings.rules import COUNTRY
from directory.therapists.models import Condition, Location, Modality, Therapist

Term = TypeVar("Term", Modality, Condition)


@dataclass
class ProposedLocation:
    """A practice address and where the geocoder placed it."""

    street: str
    city: str
    state: str
    postal_code: str
    latitude: float
    longitude: float
    geocoded_as: str = ""

    @property
    def one_line(self) -> str:
        """The address as typed, on one line."""
        parts = [self.street, self.city, f"{self.state} {self.postal_code}".strip()]
        return ", ".join(p for p in parts if p)

    def same_address(self, other: ProposedLocation) -> bool:
        """Whether both are the same typed address at the same point."""
        return asdict(self) == asdict(other)


@dataclass
class ListingData:
    """Every public field of a listing, as submitted: what a Revision stores and approval applies."""

    name: str
    license_number: str
    license_state: str
    practice_name: str | None = None
    credentials: list[str] = field(default_factory=list)
    years_in_practice: int | None = None
    training: str = ""
    certifications: list[str] = field(default_factory=list)
    bio: str = ""
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    session_lengths: list[int] = field(default_factory=list)
    accepting_new_clients: bool = True
    mobile: bool = False
    service_radius_mi: float | None = None
    languages: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    locations: list[ProposedLocation] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for Revision.data)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListingData:
        """Read back what `to_json` stored."""
        values = dict(data)
        values["locations"] = [ProposedLocation(**loc) for loc in data.get("locations", [])]
        return cls(**values)

    @classmethod
    def from_therapist(cls, therapist: Therapist) -> ListingData:
        """The listing's current public fields."""
        values = {name: getattr(therapist, name) for name in SCALAR_FIELDS}
        return cls(
            **values,
            modalities=[m.slug for m in therapist.modalities],
            conditions=[c.slug for c in therapist.conditions],
            locations=[
                ProposedLocation(loc.street, loc.city, loc.state, loc.postal_code, loc.latitude, loc.longitude,
                                 loc.geocoded_as)
                for loc in therapist.locations
            ],
        )


SCALAR_FIELDS = (
    "name", "practice_name", "credentials", "license_number", "license_state", "years_in_practice",
    "training", "certifications", "bio", "phone", "email", "website", "price_min", "price_max",
    "session_lengths", "accepting_new_clients", "mobile", "service_radius_mi", "languages",
)



class VocabularyTerms:
    """Every modality and condition by slug, each loaded once (when first needed) for however many listings
    are written."""

    @cached_property
    def modalities(self) -> dict[str, Modality]:
        return _by_slug(Modality)

    @cached_property
    def conditions(self) -> dict[str, Condition]:
        return _by_slug(Condition)


def _by_slug(model: type[Term]) -> dict[str, Term]:
    # Loading must not flush the listing's changes so far: each flush of a versioned row is a new version.
    with db.session.no_autoflush:
        return {term.slug: term for term in db.session.scalars(select(model))}


def _terms(known: dict[str, Term], slugs: list[str]) -> list[Term]:
    # A revision may name a term deleted since; it is left out.
    return [known[slug] for slug in dict.fromkeys(slugs) if slug in known]


def write_listing(therapist: Therapist, data: ListingData, terms: VocabularyTerms | None = None) -> bool:
    """Make the listing's public fields what `data` says, in the current transaction, writing only what
    differs; answer whether anything did. `data` is validated (by the listing rules) beforehand."""
    terms = terms or VocabularyTerms()
    changed = False
    for name in SCALAR_FIELDS:
        value = getattr(data, name)
        if getattr(therapist, name) != value:
            setattr(therapist, name, value)
            changed = True
    if {m.slug for m in therapist.modalities} != set(data.modalities):
        therapist.modalities = _terms(terms.modalities, data.modalities)
        changed = True
    if {c.slug for c in therapist.conditions} != set(data.conditions):
        therapist.conditions = _terms(terms.conditions, data.conditions)
        changed = True
    if ListingData.from_therapist(therapist).locations != data.locations:
        therapist.locations = [
            Location(position=i, street=loc.street, city=loc.city, state=loc.state, postal_code=loc.postal_code,
                     country=COUNTRY, latitude=loc.latitude, longitude=loc.longitude, geocoded_as=loc.geocoded_as)
            for i, loc in enumerate(data.locations)
        ]
        changed = True
    return changed
