"""The deploy fingerprint: what a stack was last deployed from, stored as a stack tag so an
unchanged stack is recognised after one DescribeStacks call."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

FINGERPRINT_TAG = "infragen:fingerprint"


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
