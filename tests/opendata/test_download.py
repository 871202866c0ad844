"""/open-data/hsds.zip: the published listings as HSDS, with nothing private in it."""
import io
import json
import zipfile

from directory.opendata.tables import COLUMNS, filename
from tests.listings.conftest import rate_limited  # noqa: F401 (a fixture)
from tests.opendata.hsds_schema import csv_errors, json_errors


def test_the_download_is_the_hsds_export_of_published_listings_only(client, make_therapist, tmp_path):
    make_therapist(name="Public Person", contact_email="edit-links-go-here@example.org")
    make_therapist(name="Waiting Person", status="pending")
    response = client.get("/open-data/hsds.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment; filename=hsds.zip" == response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert set(archive.namelist()) == {filename(table) for table in COLUMNS} | {"hsds.json"}
        archive.extractall(tmp_path)
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert "Public Person" in everything
    assert "Waiting Person" not in everything
    assert "edit-links-go-here" not in everything
    assert csv_errors(tmp_path) == []
    assert json_errors(json.loads((tmp_path / "hsds.json").read_text(encoding="utf-8"))) == []


def test_the_openapi_document_links_the_download(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["externalDocs"]["url"] == "http://localhost/open-data/hsds.zip"


def test_downloads_are_rate_limited(client, rate_limited):
    statuses = [client.get("/open-data/hsds.zip").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
