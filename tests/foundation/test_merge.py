"""The merge rule, table-driven: maps merge by key; lists and scalars replace; null removes."""

from __future__ import annotations

from typing import Any

import pytest

from infragen.config.loader import load_yaml_text
from infragen.config.merge import deep_merge, merge_files

CASES: list[tuple[str, Any, Any, Any]] = [
    ("scalar replaces", {"a": 1}, {"a": 2}, {"a": 2}),
    ("new key added", {"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
    ("maps merge recursively", {"m": {"x": 1, "y": 2}}, {"m": {"y": 3}}, {"m": {"x": 1, "y": 3}}),
    ("lists replace, never append", {"l": [1, 2, 3]}, {"l": [9]}, {"l": [9]}),
    ("empty list replaces", {"l": [1]}, {"l": []}, {"l": []}),
    ("null removes a default", {"a": 1, "b": 2}, {"a": None}, {"b": 2}),
    ("map replaces scalar", {"a": 1}, {"a": {"x": 1}}, {"a": {"x": 1}}),
    ("scalar replaces map", {"a": {"x": 1}}, {"a": "s"}, {"a": "s"}),
    (
        "deep stack vars",
        {"apps": {"x": {"stacks": {"n": {"vars": {"nat": "single", "cidr": "10.0.0.0/16"}}}}}},
        {"apps": {"x": {"stacks": {"n": {"vars": {"nat": "per_az"}}}}}},
        {"apps": {"x": {"stacks": {"n": {"vars": {"nat": "per_az", "cidr": "10.0.0.0/16"}}}}}},
    ),
]


@pytest.mark.parametrize(("name", "base", "override", "expected"), CASES, ids=[c[0] for c in CASES])
def test_deep_merge(name: str, base: Any, override: Any, expected: Any) -> None:
    before = repr(base), repr(override)
    assert deep_merge(base, override) == expected
    assert (repr(base), repr(override)) == before, "inputs must not be mutated"


def test_positions_follow_the_winning_file() -> None:
    base = load_yaml_text("a: 1\nm:\n  x: 1\n  y: 2\nl: [1, 2]\n", "defaults.yaml")
    override = load_yaml_text("m:\n  y: 3\nl: [7]\n", "prod.yaml")
    data, positions = merge_files(base, override)
    assert data == {"a": 1, "m": {"x": 1, "y": 3}, "l": [7]}
    assert str(positions[("a",)]) == "defaults.yaml:1:4"
    assert str(positions[("m", "x")]) == "defaults.yaml:3:6"
    assert str(positions[("m", "y")]) == "prod.yaml:2:6"
    assert str(positions[("l", 0)]) == "prod.yaml:3:5"
    assert ("l", 1) not in positions
