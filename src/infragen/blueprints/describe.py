"""`infragen blueprints [NAME]`: what blueprints exist, their vars and outputs."""

from __future__ import annotations

import ipaddress
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from infragen.blueprints.checked import CheckedBy
from infragen.blueprints.registry import available, get_blueprint
from infragen.config.tags import ConfigTag
from infragen.errors import BlueprintError


def list_blueprints() -> list[tuple[str, str]]:
    """(name, one-line description) per registered blueprint; a broken plugin says so."""
    rows = []
    for name in available():
        try:
            rows.append((name, get_blueprint(name).description))
        except BlueprintError as exc:
            rows.append((name, f"(broken: {exc.message})"))
    return rows


def describe(name: str) -> str:
    cls = get_blueprint(name)
    lines = [f"{name}: {cls.description}".rstrip(": "), "", "vars:"]
    lines += [f"  {path:<30} {kind}  ({default})" for path, kind, default in _fields(cls.Vars)]
    lines += ["", "outputs:"]
    for key, spec in cls.outputs.items():
        text = spec if isinstance(spec, str) else spec.description
        condition = "" if isinstance(spec, str) or spec.when is None else "  (conditional)"
        lines.append(f"  {key.replace('{}', '<n>'):<30} {text.replace('{}', '<n>')}{condition}")
    return "\n".join(lines)


def _fields(
    model: type[BaseModel], prefix: str = "", block: str = ""
) -> list[tuple[str, str, str]]:
    """(path, type, default) per field; inside an optional block, required means "when given"."""
    rows: list[tuple[str, str, str]] = []
    for field_name, info in model.model_fields.items():
        path = f"{prefix}{field_name}"
        nested = _nested_model(info.annotation)
        if nested is not None:
            rows += _fields(nested, f"{path}.", block if info.is_required() else path)
            continue
        default = _default(info)
        if default == "required" and block:
            default = f"required when {block} is given"
        rows.append((path, _type_name(info.annotation, info.metadata), default))
    return rows


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a nested `Model` or optional `Model | None` field, to list its keys."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(models) == 1:
            return _nested_model(models[0])
    return None


def _type_name(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> str:
    """A reader's name for a field type: `str | !tag`, `list[cidr]`, `one of 'a', 'b'`."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    checked = next((m for m in metadata if isinstance(m, CheckedBy)), None)
    if checked is not None:
        return f"map of {checked.cls.__name__} properties (CloudFormation keys)"
    if origin is typing.Annotated:
        return _type_name(args[0], args[1:])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is list:
        return f"list[{_type_name(args[0])}]"
    if origin is dict:
        return f"map[{_type_name(args[1])}]"
    if annotation is type(None):
        return "null"
    if annotation is ConfigTag:
        return "!tag"
    if annotation is ipaddress.IPv4Network:
        return "cidr"
    return getattr(annotation, "__name__", repr(annotation))


def _default(info: Any) -> str:
    if info.is_required():
        return "required"
    if info.default is not PydanticUndefined:
        return f"default {info.default!r}"
    if info.default_factory is not None:
        return f"default {info.default_factory()!r}"
    return ""
