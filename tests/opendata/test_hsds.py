"""HSDS-style export and import: a round trip is exact, bad rows are reported with their line numbers."""
import csv
import json

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.opendata.hsds import COLUMNS, export_directory, import_directory
from directory.therapists.models import Therapist
from tests.conftest import point_at

FIELDS = ("name", "practice_name", "credentials", "license_number", "license_state", "years_in_practice",
          "training", "certifications", "bio", "phone", "email", "website", "price_min", "price_max",
          "session_lengths", "accepting_new_clients", "mobile", "service_radius_mi", "languages", "status")


def listing_snapshot():
    therapists = db.session.scalars(select(Therapist).order_by(Therapist.slug)).all()
    return {
        t.slug: tuple(getattr(t, f) for f in FIELDS)
        + (tuple(m.slug for m in t.modalities), tuple(c.slug for c in t.conditions),
           tuple((loc.street, loc.city, loc.state, loc.postal_code, loc.latitude, loc.longitude) for loc in t.locations))
        for t in therapists
    }


@pytest.fixture
def listings(make_therapist):
    make_therapist(name="José O'Brien 💆", practice_name=None, at=[point_at(1), point_at(3, 200)],
                   modalities=("nmt-st-john", "trigger-point"), conditions=("tension-headache", "tmj-pain"),
                   credentials=["LMT", "NCBTMB"], certifications=["NMT Levels 1–4; the full series"],
                   mobile=True, service_radius_mi=17.5, languages=["English", "Español"], bio="Line one\nLine two, \"quoted\"")
    make_therapist(name="Plain", website=None, years_in_practice=None, price_min=None, price_max=None)
    make_therapist(name="Hidden", status="pending")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_the_four_tables_and_json(listings, tmp_path, runner):
    result = runner.invoke(args=["export-hsds", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 organizations, 2 services, 3 locations, 2 phones" in result.output
    for table, columns in COLUMNS.items():
        rows = read_csv(tmp_path / f"{table}.csv")
        assert list(rows[0]) == list(columns)
    services = read_csv(tmp_path / "services.csv")
    assert {s["x_therapist_name"] for s in services} == {"José O'Brien 💆", "Plain"}
    document = json.loads((tmp_path / "hsds.json").read_text(encoding="utf-8"))
    assert len(document["locations"]) == 3
    organizations = {o["id"] for o in document["organizations"]}
    assert all(loc["organization_id"] in organizations for loc in document["locations"])


def test_round_trip_is_exact(listings, tmp_path, app):
    export_directory(tmp_path)
    before = {slug: row for slug, row in listing_snapshot().items() if row[-4] == "published"}
    for therapist in db.session.scalars(select(Therapist)):
        db.session.delete(therapist)
    db.session.commit()
    report = import_directory(tmp_path, publish=True)
    assert report.errors == [] and report.imported and report.created == 2
    assert listing_snapshot() == before


def test_import_again_updates_instead_of_duplicating(listings, tmp_path):
    export_directory(tmp_path)
    report = import_directory(tmp_path, publish=True)
    assert (report.created, report.updated) == (0, 2)
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == 3


def test_imported_listings_wait_for_review_by_default(listings, tmp_path):
    export_directory(tmp_path)
    for therapist in db.session.scalars(select(Therapist)):
        db.session.delete(therapist)
    db.session.commit()
    import_directory(tmp_path)
    assert set(db.session.scalars(select(Therapist.status))) == {"pending"}


def corrupt(path, line, column, value):
    rows = read_csv(path)
    rows[line - 2][column] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(listings, tmp_path, runner):
    export_directory(tmp_path)
    corrupt(tmp_path / "locations.csv", 3, "latitude", "ninety")
    corrupt(tmp_path / "services.csv", 2, "x_modalities", '["nmt", "reiki-from-space"]')
    corrupt(tmp_path / "services.csv", 3, "email", "not an email")
    for therapist in db.session.scalars(select(Therapist)):
        db.session.delete(therapist)
    db.session.commit()
    result = runner.invoke(args=["import-hsds", str(tmp_path)])
    assert result.exit_code != 0
    assert "locations.csv line 3: latitude must be a number between -90 and 90" in result.output
    assert "services.csv line 2: x_modalities has unknown modalities: reiki-from-space" in result.output
    assert "services.csv line 3: email is not a valid email address" in result.output
    assert "nothing was imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == 0


def test_skip_bad_imports_the_good_rows(listings, tmp_path, runner):
    export_directory(tmp_path)
    services = read_csv(tmp_path / "services.csv")
    bad_line = 2 + next(i for i, s in enumerate(services) if s["x_therapist_name"] == "Plain")
    corrupt(tmp_path / "services.csv", bad_line, "x_price_min", "-5")
    for therapist in db.session.scalars(select(Therapist)):
        db.session.delete(therapist)
    db.session.commit()
    result = runner.invoke(args=["import-hsds", str(tmp_path), "--skip-bad", "--publish"])
    assert result.exit_code == 0, result.output
    assert f"services.csv line {bad_line}: x_price_min must be between 1 and 10000" in result.output
    assert "1 created, 0 updated, 1 skipped" in result.output
    assert list(db.session.scalars(select(Therapist.name))) == ["José O'Brien 💆"]


def test_missing_file_or_columns(tmp_path, vocabulary):
    report = import_directory(tmp_path)
    assert not report.imported
    assert "organizations.csv is missing" in str(report.errors[0])
