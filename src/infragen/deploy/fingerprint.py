"""The deploy fingerprint: what a stack was last deployed from, stored as a stack tag so an
unchanged stack is recognised after one DescribeStacks call."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infragen.deploy.manifest import ManifestStack

FINGERPRINT_TAG = "infragen:fingerprint"
# Stands in for a NoEcho parameter's value: a hash of a password in a readable stack tag
# would undo NoEcho (weak values can be guessed from the hash).
NO_ECHO_MARK = "<no-echo>"


def fingerprint(
    template_sha256: str,
    parameters: Mapping[str, str],
    tags: Mapping[str, str],
    options: Mapping[str, object],
) -> str:
    """sha256 over a canonical JSON of everything that makes a deploy differ."""
    document = {
        "template": template_sha256,
        "parameters": dict(sorted(parameters.items())),
        "tags": dict(sorted((k, v) for k, v in tags.items() if k != FINGERPRINT_TAG)),
        "options": dict(sorted(options.items())),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def stack_fingerprint(stack: ManifestStack, parameters: Mapping[str, str]) -> str:
    """The fingerprint of one manifest stack with its resolved parameters."""
    visible = {
        name: NO_ECHO_MARK if stack.parameters.get(name, {}).get("no_echo") else value
        for name, value in parameters.items()
    }
    options: dict[str, object] = {"termination_protection": stack.termination_protection}
    if stack.stackset is not None:
        # UpdateStackSet changes the model and roles: a change to them is one to deploy.
        spec = stack.stackset
        options["stackset"] = [
            spec.permission_model,
            spec.administration_role_arn or "",
            spec.execution_role_name or "",
        ]
    return fingerprint(stack.sha256, visible, stack.tags, options)
