"""A database cache for network geocoder answers (the offline geocoder needs none)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from directory.database import utcnow
from directory.extensions import Model, db


class GeocodeCacheEntry(Model):
    """What a network geocoder answered for a normalized query."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(255), unique=True)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DatabaseGeocodeCache:
    """GeocodeCache backed by the geocode_cache table, in its own nested transaction."""

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """The stored answer for `key`, or None."""
        return db.session.scalar(select(GeocodeCacheEntry.results).where(GeocodeCacheEntry.query == key[:255]))

    def set(self, key: str, value: list[dict[str, Any]]) -> None:
        """Store an answer; a concurrent request storing the same key first is fine."""
        try:
            with db.session.begin_nested():
                db.session.add(GeocodeCacheEntry(query=key[:255], results=value))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
