"""The About page explains the directory and links the open data download; every page links it."""


def test_about_page_explains_the_directory_and_links_the_download(client):
    response = client.get("/about")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "fictional" in page
    assert 'href="/open-data/hsds.zip"' in page
    assert 'href="/api/v1/openapi.json"' in page


def test_every_page_links_the_about_page(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/about"' in page and 'href="/about#open-data"' in page


def test_about_page_credits_the_place_data_as_its_licence_asks(client):
    page = client.get("/about").get_data(as_text=True)
    assert 'href="https://www.geonames.org/">GeoNames</a>' in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert "ZIP code" in page
