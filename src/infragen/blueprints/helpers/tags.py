"""Tag every resource that supports tags: Project, Environment, App, Stack, then config tags."""

from __future__ import annotations

from troposphere import AWSObject, Tags, Template


def apply_tags(template: Template, tags: dict[str, str]) -> None:
    """Add `tags` to each taggable resource, keeping any tag a blueprint set itself."""
    for resource in template.resources.values():
        kind = _tag_kind(resource)
        if kind is None:
            continue
        current = resource.properties.get("Tags")
        if kind == "dict":
            merged = dict(tags)
            merged.update(current or {})
            resource.properties["Tags"] = merged
        else:
            own = current.to_dict() if isinstance(current, Tags) else list(current or [])
            own_keys = {t.get("Key") for t in own if isinstance(t, dict)}
            base = [{"Key": k, "Value": v} for k, v in tags.items() if k not in own_keys]
            resource.properties["Tags"] = _tags_from_list(base + own)


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
