"""Therapists, their practice locations and the controlled vocabularies they are tagged with."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.database import utcnow
from directory.extensions import Model, db

if TYPE_CHECKING:
    from directory.admin.models import Admin
    from directory.listings.models import ListingToken, Report, Revision


class ListingStatus(str, enum.Enum):
    """Where a listing is in moderation; only PUBLISHED is visible to the public."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    UNPUBLISHED = "unpublished"


MAX_SERVICE_RADIUS_MI = 100
# Modality bits fit a signed 64-bit integer.
MAX_SEARCH_BIT = 62

# Built by migration 0005, not by the models, and kept in step with locations, therapists and
# therapist_modalities by triggers: one row per location of a published listing, in SQLite's R*Tree
# (with its shadow tables) or in a PostgreSQL table with a GiST index on point(longitude, latitude).
LISTING_POINTS = "listing_points"
LISTING_POINTS_INDEXES = ("ix_listing_points_point", "ix_listing_points_mobile_point", "ix_listing_points_therapist_id")


def described_by_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name: compare everything but the listing points of migration 0005."""
    if type_ == "table":
        return not (name == LISTING_POINTS or (name or "").startswith(f"{LISTING_POINTS}_"))
    if type_ == "index":
        return name not in LISTING_POINTS_INDEXES
    return True

therapist_modalities = Table(
    "therapist_modalities",
    db.metadata,
    Column("therapist_id", ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True),
    Column("modality_id", ForeignKey("modalities.id", ondelete="CASCADE"), primary_key=True, index=True),
)

therapist_conditions = Table(
    "therapist_conditions",
    db.metadata,
    Column("therapist_id", ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True),
    Column("condition_id", ForeignKey("conditions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Modality(Model):
    """A massage technique; children are lineages of their parent (NMT has two)."""

    __tablename__ = "modalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("modalities.id", ondelete="SET NULL"))
    # The search keeps each listing's modalities as one integer with this bit set (migration 0005).
    search_bit: Mapped[int] = mapped_column(SmallInteger, server_default="0")

    parent: Mapped[Modality | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Modality]] = relationship(back_populates="parent", order_by="Modality.position")

    __table_args__ = (
        CheckConstraint("slug <> ''", name="slug_not_empty"),
        CheckConstraint(f"search_bit BETWEEN 0 AND {MAX_SEARCH_BIT}", name="search_bit_range"),
        Index("uq_modalities_search_bit", "search_bit", unique=True),
    )


class Condition(Model):
    """A complaint a therapist says they treat."""

    __tablename__ = "conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("slug <> ''", name="slug_not_empty"),)


class LanguageName(Model):
    """A name a listing may write a language by, as the search reads it: lower case and quoted the way the
    listing's JSON list of languages holds it (`"espa\\u00f1ol"`), with the search bit of its language (its place
    in seeds/languages.json). Listing points keep the languages of a listing as a mask of these bits
    (migration 0014); the seed run writes the names (directory/search/offers.py)."""

    __tablename__ = "language_names"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    search_bit: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (
        CheckConstraint(f"search_bit BETWEEN 0 AND {MAX_SEARCH_BIT}", name="search_bit_range"),
        CheckConstraint("name <> ''", name="name_not_empty"),
    )


class Therapist(Model):
    """A therapist's listing with everything a client needs to decide whom to call."""

    __tablename__ = "therapists"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    practice_name: Mapped[str | None] = mapped_column(String(160))
    credentials: Mapped[list[str]] = mapped_column(JSON, default=list)
    license_number: Mapped[str] = mapped_column(String(40))
    license_state: Mapped[str] = mapped_column(String(64))
    years_in_practice: Mapped[int | None] = mapped_column(Integer)
    training: Mapped[str] = mapped_column(Text, default="")
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    bio: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    price_min: Mapped[int | None] = mapped_column(Integer)
    price_max: Mapped[int | None] = mapped_column(Integer)
    session_lengths: Mapped[list[int]] = mapped_column(JSON, default=list)
    accepting_new_clients: Mapped[bool] = mapped_column(Boolean, default=True)
    mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    service_radius_mi: Mapped[float | None] = mapped_column(Float)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ListingStatus.PENDING.value)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # Listings submitted through the site: a private address for edit links and moderators' replies.
    contact_email: Mapped[str | None] = mapped_column(String(254), index=True)
    # Optimistic locking: every UPDATE checks and bumps it, so concurrent saves cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    license_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Deleting that moderator clears it (migration 0009); the audit log keeps who verified, by email.
    license_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("admins.id", ondelete="SET NULL"))
    # When a moderator last approved or verified the listing (shown as "last checked").
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the therapist last submitted, edited or re-confirmed it; reminders go out 12 months later.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reconfirmation_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Unpublished by a moderator: the therapist cannot publish it again on their own.
    held_by_moderator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    locations: Mapped[list[Location]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan", order_by="Location.position"
    )
    license_verified_by: Mapped[Admin | None] = relationship("Admin")
    modalities: Mapped[list[Modality]] = relationship(
        secondary=therapist_modalities, order_by="Modality.position"
    )
    conditions: Mapped[list[Condition]] = relationship(
        secondary=therapist_conditions, order_by="Condition.position"
    )
    # Owned by the listings feature (directory/listings/models.py); declared here so both sides are typed.
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan", passive_deletes=True, order_by="Revision.id"
    )
    tokens: Mapped[list[ListingToken]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan", passive_deletes=True
    )
    reports: Mapped[list[Report]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan", passive_deletes=True, order_by="Report.id"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'published', 'rejected', 'unpublished')", name="status_known"
        ),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("license_number <> ''", name="license_number_not_empty"),
        CheckConstraint(
            "years_in_practice IS NULL OR (years_in_practice >= 0 AND years_in_practice <= 80)",
            name="years_in_practice_range",
        ),
        CheckConstraint("price_min IS NULL OR price_min > 0", name="price_min_positive"),
        CheckConstraint(
            "price_max IS NULL OR price_min IS NULL OR price_max >= price_min", name="price_range_ordered"
        ),
        CheckConstraint(
            f"(mobile AND service_radius_mi > 0 AND service_radius_mi <= {MAX_SERVICE_RADIUS_MI})"
            " OR (NOT mobile AND service_radius_mi IS NULL)",
            name="service_radius_only_when_mobile",
        ),
        # The search sizes its box for visiting therapists by the widest radius among published listings.
        Index("ix_therapists_status_service_radius_mi", "status", "service_radius_mi"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        """Whether the public may see this listing."""
        return self.status == ListingStatus.PUBLISHED.value

    @property
    def display_name(self) -> str:
        """Name and credentials, as clients see them in a result list."""
        return display_name(self.name, self.credentials)


def display_name(name: str, credentials: list[str]) -> str:
    """A therapist's name followed by their credentials."""
    return f"{name}, {', '.join(credentials)}" if credentials else name


class Location(Model):
    """A practice address with its coordinates, found by the search through the spatial index of migration 0004."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(64))
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    # The place the geocoder resolved the address to, as it named it.
    geocoded_as: Mapped[str] = mapped_column(String(300), default="", server_default="")

    therapist: Mapped[Therapist] = relationship(back_populates="locations")

    __table_args__ = (
        CheckConstraint("latitude >= -90 AND latitude <= 90", name="latitude_range"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", name="longitude_range"),
    )

    @property
    def one_line(self) -> str:
        """The address on one line."""
        parts = [self.street, self.city, f"{self.state} {self.postal_code}".strip()]
        return ", ".join(p for p in parts if p)
