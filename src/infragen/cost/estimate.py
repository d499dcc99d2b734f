"""Monthly estimate of an env from its rendered templates and its config's usage assumptions.

Offline by design: reads templates_out/<env>/manifest.json, the templates it lists and the
`usage:` of each stack; never calls AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infragen.cfn_template import Template
from infragen.cost.model import EnvCost, NotEstimated, StackCost
from infragen.cost.pricers import NotPriced, Resource, price
from infragen.cost.prices import PriceTable, price_table
from infragen.cost.usage import Usage
from infragen.errors import InfragenError

MANIFEST = "manifest.json"


class NotRenderedError(InfragenError):
    """The env has no rendered templates to estimate."""


def estimate_env(config_dir: Path, templates_dir: Path, env: str) -> EnvCost:
    """Load ENV's config (for `usage:`) and price its rendered templates."""
    from infragen.render.service import load_env

    loaded = load_env(config_dir, env)
    usage = {sid: stack.spec.usage for sid, stack in loaded.stacks.items()}
    return estimate_rendered(templates_dir / env, usage)


def estimate_rendered(env_dir: Path, usage: Mapping[str, Usage]) -> EnvCost:
    """Price every stack listed in `env_dir/manifest.json`, in deploy order."""
    manifest = _read_manifest(env_dir)
    templates = {
        sid: Template.read(env_dir / entry["template"]) for sid, entry in manifest["stacks"].items()
    }
    return estimate_templates(manifest, templates, usage)


def estimate_templates(
    manifest: Mapping[str, Any], templates: Mapping[str, Template], usage: Mapping[str, Usage]
) -> EnvCost:
    """Price the stacks of a manifest, in deploy order, from their templates (by stack id)."""
    region = manifest["region"]
    table = price_table(region)
    result = EnvCost(manifest["env"], region, table.as_of, table.source)
    for sid in manifest["order"]:
        stack_table = price_table(manifest["stacks"][sid].get("region") or region)
        stack_usage = usage.get(sid, Usage())
        result.stacks.append(_price_stack(sid, templates[sid], stack_usage, stack_table))
    return result


def _price_stack(sid: str, template: Template, usage: Usage, table: PriceTable) -> StackCost:
    stack = StackCost(sid)
    for logical_id, resource in template.resources.items():
        type_ = resource.get("Type", "")
        if type_ in table.free_types:
            continue
        properties = resource.get("Properties") or {}
        found = Resource(logical_id, type_, properties, template, usage, table)
        try:
            stack.items.append(price(found))
        except NotPriced as exc:
            stack.not_estimated.append(NotEstimated(logical_id, type_, str(exc)))
    return stack


def _read_manifest(env_dir: Path) -> dict[str, Any]:
    path = env_dir / MANIFEST
    if not path.is_file():
        raise NotRenderedError(
            f"{path} not found: nothing rendered to estimate",
            f"run `infragen render --env {env_dir.name}` first",
        )
    return json.loads(path.read_text(encoding="utf-8"))
