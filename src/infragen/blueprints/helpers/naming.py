"""Deterministic physical names that fit AWS length limits."""

from __future__ import annotations

import hashlib


def short_name(name: str, limit: int) -> str:
    """`name` if it fits, else a prefix plus an 8-character hash of the whole name.

    Target groups and load balancers allow 32 characters; a stable hash keeps two long names
    that share a prefix apart, and the same name always maps to the same result.
    """
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"
