"""`infragen blueprints [NAME]`: what blueprints exist, their vars and outputs."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from infragen.blueprints.registry import available, get_blueprint


def list_blueprints() -> list[tuple[str, str]]:
    """(name, one-line description) for every blueprint that can be loaded by name."""
    return [(name, get_blueprint(name).description) for name in available()]


def describe(name: str) -> str:
    cls = get_blueprint(name)
    lines = [f"{name}: {cls.description}".rstrip(": "), "", "vars:"]
    lines += [f"  {path:<30} {kind}  ({default})" for path, kind, default in _fields(cls.Vars)]
    lines += ["", "outputs:"]
    lines += [f"  {key:<30} {text}" for key, text in cls.outputs.items()]
    return "\n".join(lines)


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for field_name, info in model.model_fields.items():
        path = f"{prefix}{field_name}"
        nested = _nested_model(info.annotation)
        if nested is not None:
            rows += _fields(nested, f"{path}.")
            continue
        rows.append((path, _type_name(info.annotation), _default(info)))
    return rows


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _type_name(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    text = text.replace("typing.", "").replace("ipaddress.", "")
    if "ConfigTag" in text or typing.get_origin(annotation) is typing.Annotated:
        text = text.split("|")[0].strip() + " | deploy-time tag"
    return text.replace("Literal", "one of ").replace("IPv4Network", "cidr")


def _default(info: Any) -> str:
    if info.is_required():
        return "required"
    if info.default is not PydanticUndefined:
        return f"default {info.default!r}"
    if info.default_factory is not None:
        return f"default {info.default_factory()!r}"
    return ""
