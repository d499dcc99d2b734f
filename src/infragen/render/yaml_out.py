"""CloudFormation YAML in short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`), via libyaml.

troposphere's own `to_yaml()` goes through cfn_flip and is many times slower than dumping
`to_dict()` ourselves. Output keeps insertion order, so it is stable without sorting.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    _BaseDumper: type = yaml.CSafeDumper
except AttributeError:  # PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper

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


class _Intrinsic:
    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


class _FlowMap(dict):
    """A small mapping written on one line, e.g. `{Key: Project, Value: acme}`."""


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_intrinsic(dumper: _Dumper, data: _Intrinsic) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    text = str(data.value)
    return dumper.represent_scalar(data.tag, text, style="'" if text == "" else None)


def _represent_flow_map(dumper: _Dumper, data: _FlowMap) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _represent_str(dumper: _Dumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_Intrinsic, _represent_intrinsic)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowMap, _represent_flow_map)


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in SHORT_FORMS


def shorten(value: Any) -> Any:
    """Turn long-form intrinsic mappings into objects the dumper writes as short tags."""
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
    return yaml.dump(
        shorten(document),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
