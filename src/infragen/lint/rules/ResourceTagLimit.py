"""E9103: no resource carries more tags than AWS allows."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.tagging import MAX_TAGS_PER_RESOURCE, over_limit, tag_keys


class ResourceTagLimit(CloudFormationLintRule):
    id = "E9103"
    shortdesc = "At most 50 tags per resource"
    description = (
        f"AWS allows {MAX_TAGS_PER_RESOURCE} user tags per resource (aws:-prefixed keys do not "
        "count); a template over the limit fails at deploy, not before. infragen.facts.tagging "
        "decides, as render does after adding the standard and config tags."
    )
    source_url = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"
    tags = ["infragen", "tags"]

    def match(self, cfn):
        matches = []
        resources = cfn.template.get("Resources")
        for name, resource in (resources if isinstance(resources, dict) else {}).items():
            properties = resource.get("Properties") if isinstance(resource, dict) else None
            if not isinstance(properties, dict) or "Tags" not in properties:
                continue
            keys = tag_keys(properties["Tags"])
            if keys is not None and over_limit(len(keys)):
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties", "Tags"],
                        f"{name}: {len(keys)} tags; AWS allows {MAX_TAGS_PER_RESOURCE} per "
                        "resource",
                    )
                )
        return matches
