"""Validate an export against the official HSDS 3.0.0 schema: frictionless for the CSV tables, jsonschema for JSON.

The schema is Open Referral's own, copied unchanged into tests/opendata/hsds-3.0 (CC BY-SA 4.0, see its LICENSE)
so a fresh clone tests against it; HSDS_SCHEMA_DIR points elsewhere.
The only thing added to it: each table accepts the `x_` columns its header lists after HSDS's own.
"""
from __future__ import annotations

import copy
import csv
import json
import os
from pathlib import Path
from typing import Any, Iterator

from frictionless import Package
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(os.environ.get("HSDS_SCHEMA_DIR", Path(__file__).resolve().parent / "hsds-3.0"))


def datapackage() -> dict[str, Any]:
    """The official tabular HSDS 3.0.0 data package."""
    path = SCHEMA_DIR / "datapackage.json"
    assert path.exists(), f"the official HSDS 3.0.0 schema is missing: {path} (set HSDS_SCHEMA_DIR)"
    return json.loads(path.read_text(encoding="utf-8"))


def official_resources() -> dict[str, dict[str, Any]]:
    """The official resources by file name (organizations.csv, ...)."""
    return {resource["path"]: resource for resource in datapackage()["resources"]}


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def csv_errors(export_dir: Path) -> list[list[Any]]:
    """Every frictionless error of the exported CSV files, checked as one data package (foreign keys too)."""
    official = datapackage()
    resources = []
    for resource in official["resources"]:
        path = export_dir / resource["path"]
        if path.exists():
            resource = copy.deepcopy(resource)
            extensions = [label for label in _header(path) if label.startswith("x_")]
            resource["schema"]["fields"] += [{"name": label, "type": "any"} for label in extensions]
            resources.append(resource)
    report = Package(official | {"resources": resources}, basepath=str(export_dir)).validate()
    return report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def _schemas() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in (SCHEMA_DIR / "schema").glob("*.json")}


def json_errors(services: list[dict[str, Any]]) -> list[str]:
    """Every jsonschema error of the exported service objects against HSDS's service.json (formats checked)."""
    schemas = _schemas()
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in schemas.items()
    )
    validator = Draft202012Validator(schemas["service.json"], registry=registry,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(error.absolute_path)}: {error.message}" for service in services for error in validator.iter_errors(service)]


def _ref(prop: dict[str, Any]) -> str | None:
    return prop.get("$ref") or prop.get("items", {}).get("$ref")


def unknown_keys(obj: dict[str, Any], schema_name: str = "service.json") -> Iterator[str]:
    """Keys that are neither HSDS properties nor `x_` extensions, in the object and its HSDS children."""
    properties = _schemas()[schema_name]["properties"]
    for key, value in obj.items():
        if key.startswith("x_"):
            continue
        if key not in properties:
            yield f"{schema_name}: {key}"
        elif (child := _ref(properties[key])) is not None:
            for item in value if isinstance(value, list) else [value]:
                yield from unknown_keys(item, child)
