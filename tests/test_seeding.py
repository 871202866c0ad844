"""The seed files and `flask seed`."""
import re

import pytest
from geopy.distance import geodesic
from sqlalchemy import func, select

from directory.extensions import db
from directory.seeding import read_seed, seed_all
from directory.checklists.models import ChecklistVersion
from directory.therapists.models import Condition, ListingStatus, Location, Modality, Therapist

ST_PETERSBURG = (27.7676, -82.6403)


def snapshot():
    """Every seeded row, as comparable tuples."""
    therapists = db.session.scalars(select(Therapist).order_by(Therapist.slug)).all()
    return [
        (
            t.slug, t.name, t.updated_at, t.created_at, t.status, tuple(t.credentials),
            tuple(m.slug for m in t.modalities), tuple(c.slug for c in t.conditions),
            tuple((loc.id, loc.street, loc.latitude, loc.longitude) for loc in t.locations),
        )
        for t in therapists
    ] + [(m.slug, m.name, m.description, m.parent_id) for m in db.session.scalars(select(Modality))]


def test_seed_command_is_idempotent(app, runner):
    first = runner.invoke(args=["seed", "--samples"])
    assert first.exit_code == 0, first.output
    assert "sample listings: " in first.output and " created" in first.output
    before = snapshot()
    second = runner.invoke(args=["seed", "--samples"])
    assert second.exit_code == 0
    assert "sample listings: 0 created, 0 updated" in second.output
    assert "vocabularies: 0 created, 0 updated" in second.output
    db.session.expire_all()
    assert snapshot() == before


def test_plain_seed_loads_the_vocabularies_and_no_listings(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "sample listings" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == 0
    assert db.session.scalar(select(func.count()).select_from(Modality)) > 10
    # Both wordings of the checklist: saved version-1 checklists keep theirs.
    assert db.session.scalars(select(ChecklistVersion.version).order_by(ChecklistVersion.version)).all() == [1, 2]


def test_seed_never_overwrites_or_republishes_a_sample(app):
    seed_all(app.config["SEEDS_DIR"], samples=True)
    edited, unpublished = db.session.scalars(select(Therapist).order_by(Therapist.slug).limit(2)).all()
    edited.name = "Changed by the therapist"
    unpublished.status = ListingStatus.UNPUBLISHED.value
    db.session.commit()
    reports = seed_all(app.config["SEEDS_DIR"], samples=True)
    assert reports["sample listings"].created == 0 and reports["sample listings"].updated == 0
    db.session.expire_all()
    assert db.session.get(Therapist, edited.id).name == "Changed by the therapist"
    assert db.session.get(Therapist, unpublished.id).status == ListingStatus.UNPUBLISHED.value


def test_seed_adds_only_the_missing_samples(app):
    seed_all(app.config["SEEDS_DIR"], samples=True)
    total = db.session.scalar(select(func.count()).select_from(Therapist))
    db.session.delete(db.session.scalars(select(Therapist).limit(1)).one())
    db.session.commit()
    reports = seed_all(app.config["SEEDS_DIR"], samples=True)
    assert reports["sample listings"].created == 1
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == total


@pytest.fixture(scope="module")
def sample():
    from directory.config import Config

    return read_seed(Config.SEEDS_DIR, "therapists.json")["therapists"]


def test_sample_listings_cover_the_country(sample):
    assert len(sample) >= 300
    states = {t["locations"][0]["state"] for t in sample}
    cities = {(loc["city"], loc["state"]) for t in sample for loc in t["locations"]}
    assert len(states) >= 20 and len(cities) >= 25
    near_st_pete = [
        t for t in sample
        if any(geodesic(ST_PETERSBURG, (loc["latitude"], loc["longitude"])).miles <= 25 for loc in t["locations"])
    ]
    assert len(near_st_pete) >= 40


def test_sample_listings_are_obviously_fictional(sample):
    for therapist in sample:
        assert re.fullmatch(r"\(\d{3}\) 555-01\d\d", therapist["phone"]), therapist["phone"]
        assert re.search(r"@([\w-]+\.)*example\.(com|org)$", therapist["email"]), therapist["email"]
        if therapist["website"]:
            assert re.match(r"https://([\w-]+\.)*example\.(com|org)(/|$)", therapist["website"])


def test_vocabularies_include_the_required_terms(app, vocabulary):
    modalities = {m.slug: m for m in db.session.scalars(select(Modality))}
    for slug in ["nmt", "nmt-st-john", "nmt-american", "trigger-point", "myofascial-release", "deep-tissue",
                 "swedish", "sports", "medical", "structural-integration", "craniosacral", "lymphatic-drainage",
                 "prenatal", "reflexology", "shiatsu", "thai"]:
        assert slug in modalities
    assert modalities["nmt-st-john"].parent.slug == "nmt"
    assert modalities["nmt-american"].parent.slug == "nmt"
    assert "resting length" in modalities["nmt"].description
    conditions = set(db.session.scalars(select(Condition.slug)))
    assert {"tension-headache", "migraine", "upper-back-knots", "neck-pain", "thoracic-outlet-syndrome",
            "low-back-pain", "scoliosis", "tmj-pain", "sciatica", "posture-problems"} <= conditions


def test_seeded_listings_are_published_samples(app):
    seed_all(app.config["SEEDS_DIR"], samples=True)
    assert db.session.scalar(select(func.count()).select_from(Therapist).where(Therapist.is_sample.is_(False))) == 0
    assert db.session.scalar(select(func.count()).select_from(Location)) >= 300


def test_a_new_modality_takes_the_lowest_free_search_bit(app, tmp_path, vocabulary):
    import json

    from directory.seeding import seed_vocabularies

    entries = read_seed(app.config["SEEDS_DIR"], "modalities.json")["modalities"]
    freed = db.session.scalars(select(Modality).where(Modality.slug == entries[2]["slug"])).one()
    freed_bit = freed.search_bit
    db.session.delete(freed)
    db.session.commit()
    extra = {"slug": "gua-sha", "name": "Gua sha", "description": "Fictional test entry.", "parent": None}
    (tmp_path / "modalities.json").write_text(json.dumps({"modalities": [extra]}))
    (tmp_path / "conditions.json").write_text(json.dumps({"conditions": []}))
    (tmp_path / "languages.json").write_text(json.dumps({"languages": []}))
    seed_vocabularies(tmp_path)
    db.session.commit()
    assert db.session.scalars(select(Modality.search_bit).where(Modality.slug == "gua-sha")).one() == freed_bit


def test_more_modalities_than_search_bits_are_refused_clearly(app, tmp_path):
    import json

    from directory.seeding import seed_vocabularies

    entries = [{"slug": f"m{i}", "name": f"M {i}", "description": "", "parent": None} for i in range(64)]
    (tmp_path / "modalities.json").write_text(json.dumps({"modalities": entries}))
    (tmp_path / "conditions.json").write_text(json.dumps({"conditions": []}))
    (tmp_path / "languages.json").write_text(json.dumps({"languages": []}))
    with pytest.raises(ValueError, match="room for 63 modalities; m63 is one too many"):
        seed_vocabularies(tmp_path)
    db.session.rollback()


def test_every_sample_listing_keeps_the_listing_rules(sample):
    from directory.listings import rules
    from directory.seeding import sample_listing

    for entry in sample:
        data = sample_listing(entry)
        assert rules.listing_problems(data) == [], entry["slug"]
        assert rules.phone(data.phone) == data.phone and rules.state(data.license_state) == data.license_state
        assert data.website is None or rules.website(data.website) == data.website
        assert data.email is None or rules.email(data.email) == data.email
        assert rules.session_lengths(data.session_lengths) == data.session_lengths
        for text, limit in ((data.name, rules.NAME_MAX), (data.training, rules.LONG_TEXT_MAX), (data.bio, rules.LONG_TEXT_MAX)):
            assert rules.text(text, limit) == text
        assert all(rules.postal_code(loc.postal_code) == loc.postal_code for loc in data.locations)


def test_more_languages_than_search_bits_are_refused_clearly(app, tmp_path):
    import json

    from directory.seeding import seed_vocabularies

    for name in ("modalities", "conditions"):
        (tmp_path / f"{name}.json").write_text(json.dumps({name: []}))
    languages = [{"slug": f"l{i}", "name": f"L {i}", "also": []} for i in range(64)]
    (tmp_path / "languages.json").write_text(json.dumps({"languages": languages}))
    with pytest.raises(ValueError, match="room for 63 languages; languages.json lists 64"):
        seed_vocabularies(tmp_path)
    db.session.rollback()
