"""The pain map: every rule of seeds/pain_regions.json, read from the file itself, and how rules combine."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from directory.search.regions import PainMap, load_pain_map

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
CONTENT = json.loads((SEEDS / "pain_regions.json").read_text(encoding="utf-8"))
PAIN_MAP = load_pain_map(SEEDS)


def _slugs(name: str, key: str) -> set[str]:
    return {entry["slug"] for entry in json.loads((SEEDS / name).read_text(encoding="utf-8"))[key]}


def _newest_checklist_keys() -> set[str]:
    versions = json.loads((SEEDS / "checklist.json").read_text(encoding="utf-8"))["versions"]
    newest = max(versions, key=lambda v: v["version"])
    return {q["key"] for section in newest["sections"] for q in section["questions"]}


def test_everything_the_map_names_exists_in_the_other_seed_files() -> None:
    areas = {a["slug"] for a in CONTENT["areas"]}
    conditions, therapies = _slugs("conditions.json", "conditions"), _slugs("modalities.json", "modalities")
    for rule in CONTENT["rules"]:
        assert set(rule["when"]) <= areas
        assert set(rule["conditions"]) <= conditions, rule
        assert rule["therapy"] in therapies, rule
    for key in ("explanations", "self_help", "checklist"):
        for note in CONTENT[key]:
            assert set(note["when_any"]) <= areas, note
    for note in CONTENT["checklist"]:
        assert set(note["questions"]) <= _newest_checklist_keys(), note


def test_every_area_is_offered_on_both_sides_with_distinct_labels() -> None:
    assert len(PAIN_MAP.regions) == 2 * len(CONTENT["areas"])
    labels = PAIN_MAP.labels(["neck-left", "neck-right"])
    assert labels == ["Neck, left side", "Neck, right side"]
    assert PAIN_MAP.known(["neck-right", "nowhere", "neck-right", "skull-base-left"]) == ("skull-base-left", "neck-right")


@pytest.mark.parametrize("rule", CONTENT["rules"], ids=lambda rule: "+".join(rule["when"]))
@pytest.mark.parametrize("side", ["left", "right"])
def test_ticking_a_rules_areas_sets_its_conditions_therapy_and_reason(rule: dict[str, Any], side: str) -> None:
    filters = PAIN_MAP.filters_for(f"{area}-{side}" for area in rule["when"])
    assert set(rule["conditions"]) <= set(filters.conditions)
    assert filters.therapies == (rule["therapy"],)
    assert rule["why"] in filters.reasons


def test_the_issues_examples() -> None:
    headache = PAIN_MAP.filters_for(["skull-base-right", "temples-forehead-right"])
    assert "tension-headache" in headache.conditions and headache.therapies == ("nmt",)
    outlet = PAIN_MAP.filters_for(["neck-right", "arm-hand-right"])
    assert "thoracic-outlet-syndrome" in outlet.conditions
    assert "working-with-others" in PAIN_MAP.checklist_questions_for(["neck-right", "arm-hand-right"])


def test_nothing_ticked_sets_nothing() -> None:
    assert PAIN_MAP.filters_for([]) == PAIN_MAP.filters_for(["not-a-region"])
    assert PAIN_MAP.filters_for([]).conditions == () and PAIN_MAP.filters_for([]).therapies == ()
    assert PAIN_MAP.explanations_for([]) == [] and PAIN_MAP.checklist_questions_for([]) == {}


def _small_map(**changes: Any) -> PainMap:
    content = {
        "version": 1,
        "areas": [{"slug": "neck", "name": "Neck", "view": "back"}, {"slug": "hip", "name": "Hip", "view": "back"}],
        "sides": [{"slug": "left", "name": "left side"}, {"slug": "right", "name": "right side"}],
        "rules": [
            {"when": ["neck"], "conditions": ["neck-pain"], "therapy": "nmt", "why": "neck"},
            {"when": ["hip"], "conditions": ["sciatica", "neck-pain"], "therapy": "deep-tissue", "why": "hip"},
        ],
        "explanations": [],
        "self_help": [{"when_any": ["neck"], "one_side_only": True, "text": "stretch the short side"}],
        "checklist": [],
        "safety": "See a doctor first.",
    }
    return PainMap(content | changes)


def test_only_a_therapy_every_applying_rule_names_is_ticked() -> None:
    both = _small_map().filters_for(["neck-left", "hip-left"])
    assert both.conditions == ("neck-pain", "sciatica")
    assert both.therapies == ()
    assert _small_map().filters_for(["hip-right"]).therapies == ("deep-tissue",)


def test_one_sided_advice_only_when_one_side_hurts() -> None:
    assert _small_map().self_help_for(["neck-left"]) == ["stretch the short side"]
    assert _small_map().self_help_for(["neck-left", "neck-right"]) == []


def test_each_area_lists_its_sides_in_the_files_order() -> None:
    sides = [side["slug"] for side in CONTENT["sides"]]
    assert list(PAIN_MAP.sides) == [area["slug"] for area in CONTENT["areas"]]
    for area, regions in PAIN_MAP.sides.items():
        assert [r.slug for r in regions] == [f"{area}-{side}" for side in sides]
        assert all(r.area.slug == area for r in regions)
