"""CloudFormation YAML in short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`).

Templates are plain data (maps, lists, strings, numbers, booleans), so we write the YAML
ourselves: PyYAML's representer, pure Python even with libyaml, was most of the per-stack
render time. Strings are written plain only when YAML reads them back as the same string;
otherwise single-quoted, as a literal block (multi-line), or double-quoted as a last resort.
Output keeps insertion order, so it is stable without sorting.
"""

from __future__ import annotations

import json
import re
from typing import Any

from yaml.resolver import Resolver

# Long-form key -> short tag. Condition functions and Fn::Transform stay long-form.
SHORT_FORMS = {
    "Ref": "!Ref",
    "Fn::GetAtt": "!GetAtt",
    "Fn::Sub": "!Sub",
    "Fn::Join": "!Join",
    "Fn::Select": "!Select",
    "Fn::Split": "!Split",
    "Fn::GetAZs": "!GetAZs",
    "Fn::ImportValue": "!ImportValue",
    "Fn::Base64": "!Base64",
    "Fn::Cidr": "!Cidr",
    "Fn::FindInMap": "!FindInMap",
    "Fn::If": "!If",
    "Fn::Equals": "!Equals",
    "Fn::And": "!And",
    "Fn::Or": "!Or",
    "Fn::Not": "!Not",
}

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
_BLOCK_UNSAFE = re.compile(r": |:$| #|[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_PRINTABLE_LINE = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")
# What YAML 1.1 (PyYAML, cfn-lint) reads as a bool, number, null, date, ... rather than a str.
_IMPLICIT = {
    first: [regexp for tag, regexp in found if not tag.endswith(":str")]
    for first, found in Resolver.yaml_implicit_resolvers.items()
}


class _Intrinsic:
    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


class _FlowMap(dict):
    """A small mapping written on one line, e.g. `{Key: Project, Value: acme}`."""


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in SHORT_FORMS


def shorten(value: Any) -> Any:
    """Turn long-form intrinsic mappings into objects written as short tags."""
    if isinstance(value, dict):
        if _is_intrinsic(value):
            key, arg = next(iter(value.items()))
            if (
                key == "Fn::GetAtt"
                and isinstance(arg, list)
                and all(isinstance(a, str) for a in arg)
            ):
                return _Intrinsic("!GetAtt", ".".join(arg))
            if _is_intrinsic(arg):
                # YAML cannot put two tags on one node (`!Base64 !Sub x`): keep the outer long.
                return {key: shorten(arg)}
            return _Intrinsic(SHORT_FORMS[key], shorten(arg))
        if value.keys() == {"Key", "Value"} and all(isinstance(v, str) for v in value.values()):
            return _FlowMap(value)  # tags: one line each keeps templates reviewable
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value]
    return value


def dump_template(document: dict[str, Any]) -> str:
    out: list[str] = []
    _mapping(shorten(document), 0, out)
    out.append("")
    return "\n".join(out)


def _mapping(data: dict[str, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        _value(f"{pad}{_scalar(key)}:", value, indent, out)


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    """Block sequence at `indent` (inside a mapping, at the key's own indent)."""
    pad = " " * indent
    for item in items:
        if isinstance(item, (dict, list)) and item and not isinstance(item, _FlowMap):
            # Write the child one level deeper, then put the dash on its first line.
            child: list[str] = []
            if isinstance(item, dict):
                _mapping(item, indent + 2, child)
            else:
                _sequence(item, indent + 2, child)
            child[0] = f"{pad}- {child[0][indent + 2 :]}"
            out.extend(child)
        else:
            _value(f"{pad}-", item, indent + 2, out, in_sequence=True)


def _value(head: str, value: Any, indent: int, out: list[str], in_sequence: bool = False) -> None:
    """`head` is `  key:` or `  -`; block children of a key go at indent+2, of a dash at indent."""
    child_indent = indent if in_sequence else indent + 2
    if isinstance(value, _Intrinsic):
        arg = value.value
        if isinstance(arg, list) and arg:
            out.append(f"{head} {value.tag}")
            _sequence(arg, indent if not in_sequence else child_indent, out)
        elif isinstance(arg, dict) and arg and not isinstance(arg, _FlowMap):
            out.append(f"{head} {value.tag}")
            _mapping(arg, child_indent, out)
        else:
            _inline(f"{head} {value.tag}", arg, child_indent, out)
    elif isinstance(value, _FlowMap):
        out.append(f"{head} {_flow_map(value)}")
    elif isinstance(value, dict) and value:
        out.append(head)
        _mapping(value, child_indent, out)
    elif isinstance(value, list) and value:
        out.append(head)
        _sequence(value, indent if not in_sequence else child_indent, out)
    else:
        _inline(head, value, child_indent, out)


def _inline(head: str, value: Any, block_indent: int, out: list[str]) -> None:
    if isinstance(value, str) and "\n" in value:
        block = _literal_block(value, block_indent)
        if block is not None:
            out.append(f"{head} {block[0]}")
            out.extend(block[1:])
            return
    out.append(f"{head} {_scalar(value)}")


def _flow_map(data: dict[str, Any]) -> str:
    items = ", ".join(f"{_scalar(k, flow=True)}: {_scalar(v, flow=True)}" for k, v in data.items())
    return "{" + items + "}"


def _scalar(value: Any, flow: bool = False) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list) and not value:
        return "[]"
    if isinstance(value, dict) and not value:
        return "{}"
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} to a template: {value!r}")
    if _plain_ok(value, flow):
        return value
    if "\n" not in value and _PRINTABLE_LINE.fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value)


def _float(value: float) -> str:
    """YAML 1.1 reads `1e-05` as a string: its floats need a dot (`1.0e-05`)."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e")
    return text


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text[0] in _INDICATORS or text[0] == " " or text[-1] == " ":
        return False
    if _BLOCK_UNSAFE.search(text) or (flow and _FLOW_UNSAFE.search(text)):
        return False
    return not any(regexp.match(text) for regexp in _IMPLICIT.get(text[0], ()))


def _literal_block(text: str, indent: int) -> list[str] | None:
    """`|` / `|-` block lines, or None when a literal block cannot hold `text` exactly."""
    if text.endswith("\n\n") or text.startswith((" ", "\n")) or "\r" in text or "\t" in text:
        return None
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    if not all(_PRINTABLE_LINE.fullmatch(line) for line in lines):
        return None
    if any(line.endswith(" ") for line in lines):
        return None
    pad = " " * indent
    header = "|" if text.endswith("\n") else "|-"
    return [header, *(f"{pad}{line}" if line else "" for line in lines)]
