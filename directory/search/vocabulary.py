"""The controlled vocabularies as searches, forms and pages use them: every modality (with its lineages and
search bit) and condition, in display order, loaded in one light query and reused while unchanged."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import CompoundSelect, literal, null, select, union_all

from directory.extensions import db
from directory.therapists.models import Condition, Modality


@dataclass(frozen=True)
class Term:
    """A modality or condition as searches and forms use it: plain values, safe to share between requests."""

    id: int
    slug: str
    name: str
    description: str
    parent: str | None = None  # a modality's parent's slug; conditions have none
    search_bit: int = 0  # a modality's bit in listing points' modality masks; conditions keep 0, unused


class Vocabulary:
    """The modalities and conditions in display order, with the lookups searches need built once."""

    def __init__(self, modalities: Iterable[Term], conditions: Iterable[Term]):
        self.modalities = tuple(modalities)
        self.conditions = tuple(conditions)
        self.modality_slugs = frozenset(m.slug for m in self.modalities)
        self.condition_slugs = frozenset(c.slug for c in self.conditions)
        self._modalities = {m.slug: m for m in self.modalities}
        self._conditions = {c.slug: c for c in self.conditions}
        self._families = {m.slug: self._family(m) for m in self.modalities}
        self._masks = {
            slug: sum(1 << m.search_bit for m in self.modalities if m.id in family)
            for slug, family in self._families.items()
        }
        # Per modality in display order, the mask of it and its lineages: what facet counts test.
        self.family_masks = tuple(self._masks[m.slug] for m in self.modalities)

    def modality(self, slug: str) -> Term | None:
        return self._modalities.get(slug)

    def condition(self, slug: str) -> Term | None:
        return self._conditions.get(slug)

    def modality_family(self, slug: str) -> frozenset[int]:
        """The ids of a modality and of its descendants: filtering by a parent includes its lineages."""
        return self._families.get(slug, frozenset())

    def modalities_in(self, mask: int) -> tuple[Term, ...]:
        """The modalities whose search bits are set in `mask`, in display order."""
        return tuple(m for m in self.modalities if mask >> m.search_bit & 1)

    def modality_mask(self, slug: str) -> int:
        """The search bits of a modality and of its lineages, as listing points' modality masks hold them."""
        return self._masks.get(slug, 0)

    def _family(self, root: Term) -> frozenset[int]:
        family, slugs = {root.id}, {root.slug}
        grew = True
        while grew:
            children = {m for m in self.modalities if m.parent in slugs and m.id not in family}
            family |= {m.id for m in children}
            slugs |= {m.slug for m in children}
            grew = bool(children)
        return frozenset(family)


_VOCABULARY_ROWS: CompoundSelect = union_all(
    select(literal(0).label("kind"), Modality.id, Modality.slug, Modality.name, Modality.description,
           Modality.position, Modality.parent_id, Modality.search_bit),
    select(literal(1), Condition.id, Condition.slug, Condition.name, Condition.description,
           Condition.position, null(), null()),
).order_by("kind", "position", "name")


def load_vocabulary() -> Vocabulary:
    """Every modality and condition, in display order.

    One light query per call; the Vocabulary built from its rows is reused while they stay the same,
    so a change by `flask seed` (in any process) is seen by the next request.
    """
    return _vocabulary_from(tuple(tuple(row) for row in db.session.execute(_VOCABULARY_ROWS)))


@functools.lru_cache(maxsize=4)
def _vocabulary_from(rows: tuple[tuple[Any, ...], ...]) -> Vocabulary:
    slugs = {term_id: slug for kind, term_id, slug, *_ in rows if kind == 0}
    terms: tuple[list[Term], list[Term]] = ([], [])
    for kind, term_id, slug, name, description, _position, parent_id, search_bit in rows:
        terms[kind].append(Term(term_id, slug, name, description, slugs.get(parent_id), search_bit or 0))
    return Vocabulary(*terms)
