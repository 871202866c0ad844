"""The OpenAPI document matches the API: schemathesis throws generated requests at every operation."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import point_at


def test_api_conforms_to_its_document(app, make_therapist):
    """For every operation: no 5xx, documented status codes and content types, bodies valid against their schemas."""
    for i in range(3):
        make_therapist(at=point_at(i + 1), name=f"API Therapist {i}", modalities=("nmt-st-john",),
                       conditions=("migraine",), mobile=i == 0, service_radius_mi=20 if i == 0 else None)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            # A place nobody can find is valid by the schema yet cannot be searched: a documented 400.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        conforms()


def test_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/therapists", "/therapists/{slug}", "/modalities", "/conditions"}


def test_cors_allows_reading_from_any_origin(client, vocabulary):
    response = client.get("/api/v1/modalities", headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/therapists", headers={"Origin": "https://elsewhere.example",
                                                              "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


def test_every_api_error_is_json_with_a_message(client, vocabulary):
    for method, path, status in [("get", "/api/v1/nothing", 404), ("post", "/api/v1/therapists", 405),
                                 ("get", "/api/v1/therapists/unknown", 404),
                                 ("get", "/api/v1/therapists?near=Xyzzyville,+FL", 400)]:
        response = getattr(client, method)(path)
        assert response.status_code == status, path
        assert response.is_json
        assert response.get_json()["error"]["message"]
