"""How many tags a resource may carry: AWS allows 50 user tags per resource (keys starting
`aws:` are AWS's own and do not count). Render checks each resource after the standard tags
(Project, Environment, App, Stack) and the config tags are added; rule E9103 counts the same
way in any template. Standard library only.
https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
"""

from __future__ import annotations

from typing import Any

MAX_TAGS_PER_RESOURCE = 50


def tag_keys(tags: Any) -> list[Any] | None:
    """The user tag keys of a `Tags` value (a list of {Key, Value} or a map), or None when the
    value is not literal enough to count (an intrinsic function)."""
    if isinstance(tags, dict):
        if len(tags) == 1 and next(iter(tags)).startswith(("Fn::", "Ref")):
            return None
        keys: list[Any] = list(tags)
    elif isinstance(tags, list):
        keys = [t.get("Key") for t in tags if isinstance(t, dict)]
    else:
        return None
    return [k for k in keys if not (isinstance(k, str) and k.startswith("aws:"))]


def over_limit(count: int) -> bool:
    return count > MAX_TAGS_PER_RESOURCE
