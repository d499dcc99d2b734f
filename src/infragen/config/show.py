"""`infragen config show`: the merged config as YAML, deploy-time tags written back as tags."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from infragen.config.loader import PathKey
from infragen.config.tags import ConfigTag
from infragen.errors import Location


class _ShowDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_tag(dumper: _ShowDumper, tag: ConfigTag) -> yaml.Node:
    return dumper.represent_scalar(tag.yaml_tag, tag.raw)


_ShowDumper.add_multi_representer(ConfigTag, _represent_tag)


def dump_config(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_ShowDumper, sort_keys=False, default_flow_style=False)


# Values a validated model holds that plain YAML cannot represent (IPv4Network, Enum) show
# as their text; tags, dicts, lists and scalars keep their own representers.
_ShowDumper.add_multi_representer(object, lambda dumper, value: dumper.represent_str(str(value)))


def with_defaults(raw: Any, validated: Any) -> Any:
    """`raw` (vars as written) plus every default the validated model filled in, nested."""
    if isinstance(raw, dict) and isinstance(validated, dict):
        filled = {  # in the model's field order
            key: with_defaults(raw[key], value) if key in raw else value
            for key, value in validated.items()
        }
        return {**filled, **{key: value for key, value in raw.items() if key not in filled}}
    if isinstance(raw, list) and isinstance(validated, list) and len(raw) == len(validated):
        return [with_defaults(r, v) for r, v in zip(raw, validated, strict=True)]
    return raw


def dump_with_origin(data: Any, origin: Callable[[PathKey], str | None], path: PathKey = ()) -> str:
    """YAML like `dump_config`, each value followed by `# file:line` (or what `origin` says)."""
    return "".join(f"{line}\n" for line in _lines(data, origin, path, 0))


def _lines(
    value: Any, origin: Callable[[PathKey], str | None], path: PathKey, indent: int
) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    for key, item in items:
        lead = f"{pad}- " if isinstance(value, list) else f"{pad}{_scalar(key)}:"
        where = (*path, key)
        if isinstance(item, dict | list) and item:
            if isinstance(value, dict):
                out.append(lead)
                out += _lines(item, origin, where, indent + 2)
            else:  # a list item that is a mapping or list: its first line follows the dash
                inner = _lines(item, origin, where, indent + 2)
                out.append(lead + inner[0].lstrip())
                out += inner[1:]
            continue
        text = f"{lead} {_scalar(item)}" if isinstance(value, dict) else f"{lead}{_scalar(item)}"
        found = origin(where)
        out.append(f"{text}  # {found}" if found else text)
    return out


def _scalar(value: Any) -> str:
    """One value on one line, as the YAML dumper writes it."""
    text = yaml.dump(
        value, Dumper=_ShowDumper, default_flow_style=True, width=float("inf"), sort_keys=False
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def show_config(
    data: dict[str, Any],
    positions: dict[PathKey, Location],
    stacks: Mapping[str, Any],
    *,
    stack: str | None = None,
    origin: bool = False,
    with_defaults: bool = False,
) -> str:
    """`infragen config show`: the merged config, or one stack of it (`app/stack`).

    `stacks` are the loaded env's (validated vars, by stack id): `with_defaults` adds each
    var's blueprint default where config writes none; `origin` follows each value with the
    `file:line` it came from, or `default of BLUEPRINT`.
    """
    path: PathKey = ()
    shown: Any = data
    if stack:
        app, _, name = stack.partition("/")
        path = ("apps", app, "stacks", name)
        shown = data["apps"][app]["stacks"][name]
    if with_defaults:
        shown = _fill_defaults(shown, path, stacks)
    placed = _placements(stacks, stack)
    if not origin:
        return dump_config(shown) + placed
    blueprint_at = {("apps", s.app, "stacks", s.name): s.spec.blueprint for s in stacks.values()}

    def where(at: PathKey) -> str | None:
        found = positions.get(at)
        if found is not None:
            return f"{found.file}:{found.line}"
        blueprint = blueprint_at.get(at[:4]) if at[4:5] == ("vars",) else None
        return f"default of {blueprint}" if blueprint else None

    return dump_with_origin(shown, where, path) + placed


def where_deployed(stack: Any) -> str:
    """`account 111111111111 (role …), eu-west-1` for a loaded stack: what config resolves
    from the stack, its app and the env."""
    placement = stack.placement
    account = f"account {placement.account_id}" if placement.account_id else "caller's account"
    role = f" (role {placement.role_arn})" if placement.role_arn else ""
    return f"{account}{role}, {stack.region}"


def _placements(stacks: Mapping[str, Any], stack: str | None) -> str:
    """Where each shown stack deploys, as YAML comments (the output stays loadable): the
    account and region are inherited from app and env, so the merged keys alone hide them."""
    if stack:
        found = stacks.get(stack)
        return f"# deploys to: {where_deployed(found)}\n" if found is not None else ""
    if not stacks:
        return ""
    width = max(len(sid) for sid in stacks)
    lines = [f"#   {sid:<{width}}  {where_deployed(stacks[sid])}" for sid in sorted(stacks)]
    return "# where each stack deploys:\n" + "\n".join(lines) + "\n"


def _fill_defaults(shown: Any, path: PathKey, stacks: Mapping[str, Any]) -> Any:
    """Each stack's vars under `shown` (the whole config or one stack) with its defaults."""
    out = copy.deepcopy(shown)
    for stack in stacks.values():
        at = ("apps", stack.app, "stacks", stack.name)
        if at[: len(path)] != path or stack.vars is None:
            continue
        spec = out
        for key in at[len(path) :]:
            spec = spec[key]
        spec["vars"] = with_defaults(spec.get("vars") or {}, stack.vars.model_dump(warnings=False))
    return out
