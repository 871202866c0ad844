"""The migrations build exactly the schema the models describe, plus the listing points of migration 0005."""
from dataclasses import replace

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from directory.extensions import db
from directory.search.offers import load_languages, sync_language_names
from directory.therapists.models import LISTING_POINTS, ListingStatus, Modality, described_by_models


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": described_by_models}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_comparison_leaves_out_only_the_listing_points():
    assert not described_by_models(LISTING_POINTS, "table", {})
    assert not described_by_models(f"{LISTING_POINTS}_node", "table", {})
    assert not described_by_models("ix_listing_points_point", "index", {})
    assert described_by_models("locations", "table", {})
    assert described_by_models("ix_locations_therapist_id", "index", {})


def test_no_spatial_index_is_left_on_locations(app):
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("locations")}
    assert "ix_locations_latitude_longitude" not in indexes and "ix_locations_point" not in indexes
    assert "ix_locations_therapist_id" in indexes


def listing_points():
    """The listing points, as {location id: (therapist id, lat, lon, accepting, mobile, service radius, mask)},
    read through the spatial index on the plane of any modality; the modality planes must agree."""
    if db.engine.dialect.name == "sqlite":
        inside = "p.max_lat >= -90 AND p.min_lat <= 90 AND p.max_lon >= -180 AND p.min_lon <= 180"
        plane = "(p.min_plane + p.max_plane) / 2"
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        inside = "point(p.longitude, p.latitude) <@ box '((-180,-90),(180,90))'"
        plane = "p.plane"
    planes = {
        (location, round(at / 1000)) for location, at in db.session.execute(text(
            f"SELECT p.location_id, {plane} FROM {LISTING_POINTS} p WHERE {inside} AND {plane} BETWEEN 0 AND 63 * 1000"
        ))
    }
    rows = db.session.execute(text(
        "SELECT p.location_id, p.therapist_id, p.latitude, p.longitude, p.accepting, p.mobile, p.service_radius_mi,"
        f" p.modality_mask FROM {LISTING_POINTS} p WHERE {inside} AND {plane} = -1000"
    ))
    points = {
        row[0]: (row[1], round(row[2], 4), round(row[3], 4), bool(row[4]), bool(row[5]), row[6], row[7])
        for row in rows
    }
    assert planes == {(location, bit) for location, point in points.items() for bit in range(63) if point[-1] >> bit & 1}
    return points


def bits(*slugs):
    return sum(1 << db.session.scalar(select(Modality.search_bit).where(Modality.slug == slug)) for slug in slugs)


def test_listing_points_follow_every_change_to_a_listing(make_therapist):
    kept = make_therapist(at=[(27.7, -82.6), (28.0, -82.5)], modalities=("nmt", "thai"))
    gone = make_therapist(at=(30.0, -81.0), modalities=("swedish",))
    hidden = make_therapist(at=(29.0, -81.5), status=ListingStatus.PENDING.value)
    first, second = kept.locations
    assert listing_points() == {
        first.id: (kept.id, 27.7, -82.6, True, False, None, bits("nmt", "thai")),
        second.id: (kept.id, 28.0, -82.5, True, False, None, bits("nmt", "thai")),
        gone.locations[0].id: (gone.id, 30.0, -81.0, True, False, None, bits("swedish")),
    }

    # Moving a location, deleting a listing, publishing one.
    first.latitude, first.longitude = 26.5, -80.1
    db.session.delete(gone)
    hidden.status = ListingStatus.PUBLISHED.value
    db.session.commit()
    assert listing_points() == {
        first.id: (kept.id, 26.5, -80.1, True, False, None, bits("nmt", "thai")),
        second.id: (kept.id, 28.0, -82.5, True, False, None, bits("nmt", "thai")),
        hidden.locations[0].id: (hidden.id, 29.0, -81.5, True, False, None, 0),
    }

    # What the search filters on: accepting, visits, modalities; and a removed location.
    kept.accepting_new_clients = False
    kept.mobile, kept.service_radius_mi = True, 30.0
    kept.modalities = [m for m in kept.modalities if m.slug != "thai"]
    kept.locations.remove(second)
    db.session.commit()
    assert listing_points() == {
        first.id: (kept.id, 26.5, -80.1, False, True, 30.0, bits("nmt")),
        hidden.locations[0].id: (hidden.id, 29.0, -81.5, True, False, None, 0),
    }

    # A modality given another search bit: every mask with it follows.
    nmt = db.session.scalars(select(Modality).where(Modality.slug == "nmt")).one()
    old_mask = bits("nmt")
    nmt.search_bit = 62
    db.session.commit()
    assert bits("nmt") != old_mask
    assert listing_points()[first.id] == (kept.id, 26.5, -80.1, False, True, 30.0, bits("nmt"))

    # Unpublishing takes every point of the listing away.
    kept.status = ListingStatus.UNPUBLISHED.value
    db.session.commit()
    assert set(listing_points()) == {hidden.locations[0].id}


def test_modalities_get_distinct_search_bits(vocabulary):
    search_bits = list(db.session.scalars(select(Modality.search_bit)))
    assert len(search_bits) == len(set(search_bits)) > 10
    assert all(0 <= bit <= 62 for bit in search_bits)


def offers_on_points():
    """{location id: (price, languages, session lengths, NMT training)} as the listing points hold them; on
    SQLite, the planes of the offers must agree (each language bit, NMT training, each length, the price)."""
    sqlite = db.engine.dialect.name == "sqlite"
    rows = db.session.execute(text(
        f"SELECT p.location_id, p.price, p.languages, p.session_lengths, p.nmt_training, p.mobile FROM {LISTING_POINTS} p"
        + ("" if sqlite else " WHERE p.plane = -1000")
    ))
    offers, mobile = {}, set()
    for location, price, languages, lengths, nmt, moves in rows:
        offers[location] = (price, languages, lengths, bool(nmt))
        mobile |= {location} if moves else set()
    plane = "(p.min_plane + p.max_plane) / 2" if sqlite else "p.plane"
    planes = set(db.session.execute(text(f"SELECT p.location_id, {plane} FROM {LISTING_POINTS} p WHERE {plane} >= 64 * 1000")))
    expected = set()
    for location, (price, languages, lengths, nmt) in offers.items():
        expected |= {(location, (64 + bit) * 1000) for bit in range(63) if languages >> bit & 1}
        expected |= {(location, (128 + step) * 1000) for step in range(61) if lengths >> step & 1}
        expected |= {(location, 127 * 1000)} if nmt else set()
        expected |= {(location, 189 * 1000)} if location in mobile else set()
        expected |= {(location, 190 * 1000 + price)} if price is not None else set()
    assert planes == expected
    return offers


def test_listing_points_follow_what_a_listing_offers(make_therapist):
    languages = {language.slug: 1 << language.bit for language in load_languages()}
    lengths = {minutes: 1 << (minutes // 15) for minutes in (30, 60, 90, 120)}
    therapist = make_therapist(at=[(27.7, -82.6), (28.0, -82.5)], modalities=("swedish",), price_min=None,
                               price_max=95, languages=["English", "SPANISH", "Spanish Sign Language"],
                               session_lengths=[60, 90], training="Swedish massage.", certifications=[])
    first, second = (location.id for location in therapist.locations)
    expected = (95, languages["english"] | languages["spanish"], lengths[60] | lengths[90], False)
    assert offers_on_points() == {first: expected, second: expected}

    therapist.price_min, therapist.languages, therapist.session_lengths = 70, ["Kreyòl"], [30, 120]
    therapist.certifications = ["Certified NeuroMuscular Therapist"]
    therapist.mobile, therapist.service_radius_mi = True, 15
    db.session.commit()
    expected = (70, languages["haitian-creole"], lengths[30] | lengths[120], True)
    assert offers_on_points() == {first: expected, second: expected}

    therapist.certifications, therapist.training = [], "Seminars in NMT, St. John method"
    therapist.price_min = therapist.price_max = None
    therapist.languages, therapist.session_lengths = [], []
    db.session.commit()
    assert offers_on_points() == {first: (None, 0, 0, True), second: (None, 0, 0, True)}


def test_changed_language_names_reach_every_listing_point(make_therapist, app):
    therapist = make_therapist(languages=["Tagalog", "English"])
    location = therapist.locations[0].id
    languages = load_languages()
    by_slug = {language.slug: language for language in languages}
    assert offers_on_points()[location][1] == (1 << by_slug["tagalog"].bit) | (1 << by_slug["english"].bit)
    # Tagalog dropped from the seeds, English moved to another bit: the points follow; a second run changes nothing.
    english = replace(by_slug["english"], bit=by_slug["tagalog"].bit)
    fewer = [english if language.slug == "english" else language for language in languages if language.slug != "tagalog"]
    assert sync_language_names(fewer)
    db.session.commit()
    assert offers_on_points()[location][1] == 1 << english.bit
    assert not sync_language_names(fewer)
    assert sync_language_names(languages)
    db.session.commit()
    assert offers_on_points()[location][1] == (1 << by_slug["tagalog"].bit) | (1 << by_slug["english"].bit)
