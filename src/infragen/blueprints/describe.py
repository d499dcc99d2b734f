"""`infragen blueprints [NAME]`: what blueprints exist, their vars and outputs."""

from __future__ import annotations

import ipaddress
import types
import typing
from dataclasses import dataclass
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
    for row in _fields(cls.Vars):
        lines.append(f"  {row.path:<30} {row.kind}  ({row.notes})")
        if row.description:
            lines.append(f"  {'':<30}   {row.description}")
    for group in _exactly_one_of(cls.Vars):
        lines.append(f"  exactly one of {' / '.join(group)}")
    lines += ["", "outputs:"]
    for key, spec in cls.outputs.items():
        text = spec if isinstance(spec, str) else spec.description
        condition = "" if isinstance(spec, str) or spec.when is None else "  (conditional)"
        lines.append(f"  {key.replace('{}', '<n>'):<30} {text.replace('{}', '<n>')}{condition}")
    return "\n".join(lines)


@dataclass(frozen=True)
class FieldRow:
    path: str  # dotted; `[]` marks a list's items, `<key>` a map's values
    kind: str
    notes: str  # required / default, then range, length and pattern
    description: str = ""


def _fields(model: type[BaseModel], prefix: str = "", required: str = "required") -> list[FieldRow]:
    """A row per field; inside an optional block, required means "when given", in a list's
    items "in each item"; the models in a list or map are expanded under `path[].` /
    `path.<key>.`."""
    rows: list[FieldRow] = []
    for field_name, info in model.model_fields.items():
        path = f"{prefix}{field_name}"
        nested = _nested_model(info.annotation)
        if nested is not None:
            inner = required if info.is_required() else f"required when {path} is given"
            rows += _fields(nested, f"{path}.", inner)
            continue
        default = _default(info)
        if default == "required":
            default = required
        notes = "; ".join(filter(None, [default, *_constraints(info.metadata)]))
        kind = _type_name(info.annotation, info.metadata)
        item, marker = _item_model(info.annotation)
        about = info.description or (_summary(item) if item is not None else "")
        rows.append(FieldRow(path, kind, notes, " ".join(about.split())))
        if item is not None:
            each = "item" if marker == "[]." else "value"
            rows += _fields(item, f"{path}{marker}", f"required in each {path} {each}")
    return rows


def _summary(model: type[BaseModel]) -> str:
    """The first paragraph of a model's own docstring (not one it inherits)."""
    doc = model.__dict__.get("__doc__") or ""
    return doc.strip().split("\n\n")[0]


def _item_model(annotation: Any) -> tuple[type[BaseModel] | None, str]:
    """The model of a `list[Model]` or `dict[str, Model]` field (optional or not), to expand."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _item_model(args[0])
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            found = _item_model(arg)
            if found[0] is not None:
                return found
        return None, ""
    if origin is list and args:
        return _nested_model(args[0]), "[]."
    if origin is dict and len(args) == 2:
        return _nested_model(args[1]), ".<key>."
    return None, ""


def _constraints(metadata: list[Any] | tuple[Any, ...]) -> list[str]:
    """`512..10240`, `>= 0`, `length <= 1024`, `pattern ^[a-z]+$` from a field's metadata."""
    found: dict[str, Any] = {}
    for item in metadata:
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(item, attr, None)
            if value is not None:
                found[attr] = value
    out = []
    low = ("ge", found["ge"]) if "ge" in found else ("gt", found["gt"]) if "gt" in found else None
    high = ("le", found["le"]) if "le" in found else ("lt", found["lt"]) if "lt" in found else None
    if low and high and low[0] == "ge" and high[0] == "le":
        out.append(f"{low[1]}..{high[1]}")
    else:
        signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
        out += [f"{signs[bound[0]]} {bound[1]}" for bound in (low, high) if bound is not None]
    if "min_length" in found and "max_length" in found:
        out.append(f"length {found['min_length']}..{found['max_length']}")
    elif "min_length" in found:
        out.append(f"length >= {found['min_length']}")
    elif "max_length" in found:
        out.append(f"length <= {found['max_length']}")
    if "pattern" in found:
        out.append(f"pattern {found['pattern']}")
    return out


def _exactly_one_of(model: type[BaseModel]) -> list[tuple[str, ...]]:
    """Groups of blocks a model takes exactly one of, as its `exactly_one_of` declares."""
    return [tuple(group) for group in getattr(model, "exactly_one_of", ())]


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
