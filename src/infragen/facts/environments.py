"""Which environment names mean production when config does not say `production:` itself."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Production by name: config's `production` flag overrides it per env, and lint's
#: `production_environments` option (E9601, W9602) replaces it for templates.
PRODUCTION_ENV_NAMES = ("prod", "production")


def production_names(configured: Iterable[str] | str = PRODUCTION_ENV_NAMES) -> frozenset[str]:
    """Lower-cased names from a list or one string; `prod|live` and `prod,live` split too
    (cfn-lint's `-x RULE:key=value` splits on commas itself, so a CLI list uses `|`)."""
    entries = [configured] if isinstance(configured, str) else configured
    return frozenset(
        name.lower() for entry in entries for name in re.split(r"[,|\s]+", str(entry)) if name
    )


def is_production_name(
    env_name: str, configured: Iterable[str] | str = PRODUCTION_ENV_NAMES
) -> bool:
    """`prod` and `production` (any case) are production unless a list says otherwise."""
    return env_name.lower() in production_names(configured)
