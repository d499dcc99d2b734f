"""E9801: production workloads run an image tag someone chose, never `latest`."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import infragen_metadata, is_production, production_option

#: Resource type -> property path of its container image (`*` walks a list).
IMAGE_PATHS: dict[str, tuple[str, ...]] = {
    "AWS::Lambda::Function": ("Code", "ImageUri"),
    "AWS::ECS::TaskDefinition": ("ContainerDefinitions", "*", "Image"),
    "AWS::AppRunner::Service": ("SourceConfiguration", "ImageRepository", "ImageIdentifier"),
}


class ProductionImagePinned(CloudFormationLintRule):
    id = "E9801"
    shortdesc = "Container images in production name a tag other than latest"
    description = (
        "In production templates (as for E9601) the image of a Lambda function, an ECS "
        "container or an App Runner service must not be `:latest`, untagged (which means "
        "latest), or a Parameter whose default is `latest`: a redeploy would silently run "
        "whatever was pushed last. Pass the tag as a deploy-time value (`!env`, `!ssm`)."
    )
    source_url = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html"
    tags = ["infragen", "production", "containers"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = production_option()
        self.configure()

    def match(self, cfn):
        if not is_production(
            infragen_metadata(cfn.template), self.config["production_environments"]
        ):
            return []
        defaults = {
            name: str(param.get("Default"))
            for name, param in (cfn.template.get("Parameters") or {}).items()
            if isinstance(param, dict) and "Default" in param
        }
        matches = []
        for name, resource in cfn.get_resources(list(IMAGE_PATHS)).items():
            properties = resource.get("Properties") or {}
            base = ["Resources", name, "Properties"]
            for path, image in _select(properties, IMAGE_PATHS[resource["Type"]], base):
                if _floats_to_latest(image, defaults):
                    matches.append(
                        RuleMatch(path, f"{name}: pin the image to a tag or digest, not latest")
                    )
        return matches


def _select(node: Any, parts: tuple[str, ...], path: list) -> list[tuple[list, Any]]:
    if not parts:
        return [(path, node)]
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(node, list):
            return []
        return [f for i, item in enumerate(node) for f in _select(item, rest, [*path, i])]
    if isinstance(node, dict) and head in node:
        return _select(node[head], rest, [*path, head])
    return []


def _floats_to_latest(image: Any, defaults: dict[str, str]) -> bool:
    if isinstance(image, str):
        return _literal_is_latest(image)
    if isinstance(image, dict) and len(image) == 1:
        ((function, args),) = image.items()
        if function == "Fn::Join" and isinstance(args, list) and len(args) == 2:
            return _join_is_latest(args[1], defaults)
        if function == "Fn::Sub":
            text = args[0] if isinstance(args, list) and args else args
            return isinstance(text, str) and text.endswith(":latest")
        if function == "Ref" and isinstance(args, str):
            return defaults.get(args) == "latest"
    return False


def _join_is_latest(parts: Any, defaults: dict[str, str]) -> bool:
    if not isinstance(parts, list) or not parts:
        return False
    last = parts[-1]
    if isinstance(last, str):
        return last == "latest" or last.endswith(":latest")
    if isinstance(last, dict) and isinstance(last.get("Ref"), str):
        return defaults.get(last["Ref"]) == "latest"
    return False


def _literal_is_latest(image: str) -> bool:
    """`repo:latest`, or `repo` with no tag and no digest (Docker then means latest)."""
    if "@" in image:
        return False
    name = image.rsplit("/", 1)[-1]
    return ":" not in name or name.endswith(":latest")
