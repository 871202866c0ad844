"""The OpenAPI document matches the API: schemathesis runs every phase (examples, coverage, fuzzing and the
stateful one following the document's links) with every check, under the project's schemathesis.toml, the
same settings the `schemathesis` CLI reads."""
from pathlib import Path

import schemathesis
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from tests.conftest import point_at

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


# Each of these must run at least once: the default checks and the ones only `--checks all` turns on.
CHECKS = {"not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance", "unsupported_method"}


def _checks(event: events.EngineEvent) -> list:
    if not isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
        return []
    return [check for checks in event.recorder.checks.values() for check in checks]


def test_api_conforms_to_its_document_under_every_check_and_phase(app, make_therapist):
    for i in range(3):
        make_therapist(at=point_at(i + 1), name=f"API Therapist {i}", modalities=("nmt-st-john",),
                       conditions=("migraine",), mobile=i == 0, service_radius_mi=20 if i == 0 else None)
    config = SchemathesisConfig.from_path(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    schema.config.generation.update(max_examples=30)
    failures: list[str] = []
    phases: set[str] = set()
    checked: set[str] = set()
    ran: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.phase.is_enabled:
            phases.add(event.phase.name.value)
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"error: {event}")
        if isinstance(event, events.ScenarioFinished) and event.phase.value == "stateful":
            checked.add("stateful")
        for check in _checks(event):
            ran.add(check.name)
            if check.status == Status.FAILURE:
                title = check.failure_info.failure.title if check.failure_info else ""
                failures.append(f"{event.recorder.label}: {check.name}: {title}")
    assert {"examples", "coverage", "fuzzing", "stateful"} <= phases
    assert "stateful" in checked, "the stateful phase followed no link"
    assert CHECKS <= ran
    assert failures == []


def test_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/therapists", "/therapists/{slug}", "/places", "/modalities", "/conditions", "/regions"}
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
