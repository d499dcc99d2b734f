"""Blueprints by registered name (built-ins are entry points too), by `module:Class` path, and
every way a plugin can be broken, each a BlueprintError with a hint instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

from infragen.blueprints import registry
from infragen.blueprints.network import Network
from infragen.errors import BlueprintError


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear_cache()
    yield
    registry.clear_cache()


def test_builtin_and_module_path() -> None:
    assert registry.get_blueprint("network") is Network
    from foundation.sample_blueprints import Consumer

    assert registry.get_blueprint("foundation.sample_blueprints:Consumer") is Consumer


def test_builtins_are_entry_points_of_infragen() -> None:
    names = registry.available()
    assert {"network", "lambda-function", "rest-api-stage", "s3-bucket"} <= set(names)
    assert registry.builtin_names() == set(names)
    assert not hasattr(registry, "BUILTIN")


def test_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = EntryPoint("acme-net", "infragen.blueprints.network:Network", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep])
    registry.clear_cache()
    assert registry.get_blueprint("acme-net") is Network
    assert registry.available() == ["acme-net"]


def test_one_scan_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    ep = EntryPoint("acme-net", "infragen.blueprints.network:Network", registry.ENTRY_POINT_GROUP)

    def scan(group: str) -> list[EntryPoint]:
        calls.append(group)
        return [ep]

    monkeypatch.setattr(registry, "entry_points", scan)
    registry.clear_cache()
    registry.available()
    registry.get_blueprint("acme-net")
    with pytest.raises(BlueprintError):
        registry.get_blueprint("other")
    assert calls == [registry.ENTRY_POINT_GROUP]


def test_a_name_registered_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    group = registry.ENTRY_POINT_GROUP
    eps = [
        EntryPoint("net", "infragen.blueprints.network:Network", group),
        EntryPoint("net", "infragen.blueprints.alb:Alb", group),
        EntryPoint("vpc", "infragen.blueprints.network:Network", group),
        EntryPoint("vpc", "infragen.blueprints.network:Network", group),  # same target: once
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: eps)
    registry.clear_cache()
    with pytest.raises(BlueprintError, match="'net' is registered more than once") as info:
        registry.get_blueprint("net")
    assert "uninstall one" in info.value.hint
    assert registry.get_blueprint("vpc") is Network


@pytest.mark.parametrize(
    ("name", "message", "hint"),
    [
        (
            "foundation.sample_blueprints:NotABlueprint",
            "is not a Blueprint subclass",
            "subclasses infragen.blueprints.base.Blueprint",
        ),
        (
            "foundation.sample_blueprints:Missing",
            "module foundation.sample_blueprints has no 'Missing'",
            "check the path",
        ),
        ("no_such_module:Thing", "no module named 'no_such_module'", "installed"),
        ("nope", "unknown blueprint 'nope'", "known blueprints: "),
        (":Foo", "':Foo' is not a 'package.module:Class' path", "mypackage.blueprints:Queue"),
        ("pkg.mod:", "'pkg.mod:' is not a 'package.module:Class' path", "a colon"),
        ("infragen.blueprints.registry:TARGET_RE", "is a Pattern, not a class", "a class"),
    ],
)
def test_bad_blueprint_names(name: str, message: str, hint: str) -> None:
    with pytest.raises(BlueprintError, match=message) as info:
        registry.get_blueprint(name)
    assert hint in info.value.hint


def test_unknown_name_lists_every_registered_name() -> None:
    with pytest.raises(BlueprintError) as info:
        registry.get_blueprint("nope")
    assert info.value.hint == (
        "known blueprints: "
        + ", ".join(registry.available())
        + "; or give a 'package.module:Class' path"
    )
    assert "network, " in info.value.hint
