"""The price table shipped with infragen: one JSON file per region, with its date and source."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from infragen.errors import InfragenError


class UnknownRegionError(InfragenError):
    """No price table for the region a stack deploys to."""


@dataclass(frozen=True)
class PriceTable:
    region: str
    as_of: str
    source: str
    hours_per_month: float
    unit: dict[str, float]  # e.g. nat_gateway_hour -> 0.045
    ec2_instance_hour: dict[str, float]
    rds_instance_hour: dict[str, float]
    elasticache_node_hour: dict[str, float]
    free_types: frozenset[str]


def regions() -> list[str]:
    folder = resources.files("infragen.cost") / "prices"
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


@cache
def price_table(region: str) -> PriceTable:
    path = resources.files("infragen.cost") / "prices" / f"{region}.json"
    if not path.is_file():
        raise UnknownRegionError(
            f"no price table for region {region}",
            f"infragen ships prices for: {', '.join(regions())}",
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    return PriceTable(
        region=data["region"],
        as_of=data["as_of"],
        source=data["source"],
        hours_per_month=float(data["hours_per_month"]),
        unit={k: float(v) for k, v in data["prices"].items()},
        ec2_instance_hour=data["ec2_instance_hour"],
        rds_instance_hour=data["rds_instance_hour"],
        elasticache_node_hour=data["elasticache_node_hour"],
        free_types=frozenset(data["free_types"]),
    )
