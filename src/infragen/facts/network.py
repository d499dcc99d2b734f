"""When a set of address ranges counts as "the internet", for config validation and rule E9101.

Not only `0.0.0.0/0`: `0.0.0.0/1` + `128.0.0.0/1` open exactly as much. A range broader than
a prefix length (default /8 for IPv4, /16 for IPv6: wider than any private block, 10.0.0.0/8)
is public, and so is a set of ranges whose union contains one (`10.0.0.0/8` + `11.0.0.0/8` is
`10.0.0.0/7`). Standard library only, so the lint rules load under a bare cfn-lint.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

PUBLIC_PREFIX_LENGTH = 8
# `Metadata.infragen.<this>: true` on an API route or method: open to anyone by decision
# (config's `public: true`), so rule W9104 does not ask for an authorizer.
PUBLIC_API_KEY = "public"
PUBLIC_PREFIX_LENGTH_V6 = 16

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def network(cidr: str) -> Network | None:
    """The network a CIDR string names (host bits allowed), or None when it is not one."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except (ValueError, AttributeError):
        return None


def _limit(found: Network, prefix_length: int) -> int:
    return prefix_length if found.version == 4 else PUBLIC_PREFIX_LENGTH_V6 + prefix_length - 8


def is_public(cidr: str, prefix_length: int = PUBLIC_PREFIX_LENGTH) -> bool:
    """A single range broader than /prefix_length (IPv6: /16 at the default)."""
    found = network(cidr)
    return found is not None and found.prefixlen < _limit(found, prefix_length)


def public_ranges(cidrs: Iterable[str], prefix_length: int = PUBLIC_PREFIX_LENGTH) -> list[str]:
    """Each range broader than /prefix_length that the union of these CIDRs covers
    (`0.0.0.0/1` + `128.0.0.0/1` -> [`0.0.0.0/0`]); [] when the set is private enough."""
    found: dict[int, list[Network]] = {4: [], 6: []}
    for cidr in cidrs:
        net = network(cidr)
        if net is not None:
            found[net.version].append(net)
    return [
        str(merged)
        for nets in found.values()
        for merged in ipaddress.collapse_addresses(nets)  # type: ignore[type-var]
        if merged.prefixlen < _limit(merged, prefix_length)
    ]


#: CloudFormation `AllowedPattern` for a deploy-time IPv4 CIDR that must not be the internet:
#: a prefix of /8 or longer. CloudFormation checks it before it changes anything, so a value
#: that arrives only at deploy time (`cidr: !env ADMIN_CIDR`) meets the same bound as a literal.
PRIVATE_CIDR_PATTERN = (
    r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
    r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/([89]|[12][0-9]|3[0-2])$"
)
PRIVATE_CIDR_CONSTRAINT = (
    f"an IPv4 CIDR no broader than /{PUBLIC_PREFIX_LENGTH}: a broader range is the internet"
)
