"""Tag every resource that supports tags: Project, Environment, App, Stack, then config tags."""

from __future__ import annotations

from typing import Any

from troposphere import AWSObject, Tags, Template

from infragen.errors import ConfigError
from infragen.facts.tagging import MAX_TAGS_PER_RESOURCE, over_limit, tag_keys

STANDARD_TAGS = ("Project", "Environment", "App", "Stack")


def apply_tags(template: Template, tags: dict[str, str]) -> None:
    """Add `tags` to each taggable resource, keeping any tag a blueprint set itself.

    A resource that would carry more tags than AWS allows is a config error (the deploy would
    fail), with the arithmetic: standard + config + the blueprint's own.
    """
    for resource in template.resources.values():
        kind = _tag_kind(resource)
        if kind is None:
            continue
        current = resource.properties.get("Tags")
        if kind == "dict":
            merged = dict(tags)
            merged.update(current or {})
            resource.properties["Tags"] = merged
            own_keys = set(current or {})
            keys = tag_keys(merged)
        else:
            own = current.to_dict() if isinstance(current, Tags) else list(current or [])
            own_keys = {t.get("Key") for t in own if isinstance(t, dict)}
            base = [{"Key": k, "Value": v} for k, v in tags.items() if k not in own_keys]
            resource.properties["Tags"] = _tags_from_list(base + own)
            keys = tag_keys(base + own)
        if keys is not None and over_limit(len(keys)):
            _too_many(template, resource, tags, own_keys, len(keys))


def _too_many(
    template: Template, resource: AWSObject, tags: dict[str, str], own: set[Any], total: int
) -> None:
    standard = [k for k in STANDARD_TAGS if k in tags]
    from_config = len([k for k in tags if k not in STANDARD_TAGS])
    metadata = (template.metadata or {}).get("infragen", {})
    stack = metadata.get("stack", "this stack") if isinstance(metadata, dict) else "this stack"
    extra = total - MAX_TAGS_PER_RESOURCE
    raise ConfigError(
        f"{stack}: resource {resource.title} would carry {total} tags: {len(standard)} standard "
        f"({', '.join(standard)}) + {from_config} from config + {len(own - set(tags))} of its "
        f"own; AWS allows {MAX_TAGS_PER_RESOURCE} per resource",
        f"remove {extra} tag{'s' if extra != 1 else ''} from the config `tags:` (project, "
        "app or stack level) that apply to this stack",
    )


def _tags_from_list(items: list[dict[str, str]]) -> Tags:
    result = Tags()
    result.tags = items
    return result


def _tag_kind(resource: AWSObject) -> str | None:
    """'dict' or 'list' for resources whose Tags we know how to fill; None otherwise."""
    spec = resource.props.get("Tags")
    if spec is None:
        return None
    expected = spec[0]
    if expected is dict:
        return "dict"
    if expected is Tags:
        return "list"
    # troposphere's tag validators accept Tags, except AutoScaling's (it needs
    # PropagateAtLaunch), so those resources are left to their blueprint.
    module = getattr(expected, "__module__", "")
    name = getattr(expected, "__name__", "")
    if (
        module.startswith("troposphere.validators")
        and name in {"validate_tags_or_list", "tags_or_list"}
        and module != "troposphere.validators.autoscaling"
    ):
        return "list"
    return None
