"""Blueprints by built-in name, by `module:Class` path, and through entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from infragen.blueprints import registry
from infragen.blueprints.network import Network
from infragen.errors import BlueprintError


def test_builtin_and_module_path() -> None:
    assert registry.get_blueprint("network") is Network
    from foundation.sample_blueprints import Consumer

    assert registry.get_blueprint("foundation.sample_blueprints:Consumer") is Consumer


def test_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint("acme-net", "infragen.blueprints.network:Network", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep])
    registry.get_blueprint.cache_clear()
    try:
        assert registry.get_blueprint("acme-net") is Network
        assert "acme-net" in registry.available()
    finally:
        registry.get_blueprint.cache_clear()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("foundation.sample_blueprints:NotABlueprint", "is not a Blueprint subclass"),
        ("foundation.sample_blueprints:Missing", "could not be loaded"),
        ("no_such_module:Thing", "could not be loaded"),
        ("nope", "unknown blueprint 'nope'"),
    ],
)
def test_bad_blueprint_names(name: str, message: str) -> None:
    with pytest.raises(BlueprintError, match=message):
        registry.get_blueprint(name)
