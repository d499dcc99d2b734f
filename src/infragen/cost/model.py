"""What an estimate is made of: priced line items, resources it could not price, totals."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LineItem:
    """One resource's monthly cost and how it was reached (`what` names the quantities)."""

    logical_id: str
    type: str
    category: str
    what: str
    monthly: float


@dataclass(frozen=True)
class NotEstimated:
    """A resource the price table cannot price: listed, never counted as zero."""

    logical_id: str
    type: str
    reason: str


@dataclass
class StackCost:
    stack: str  # app/name
    items: list[LineItem] = field(default_factory=list)
    not_estimated: list[NotEstimated] = field(default_factory=list)

    @property
    def app(self) -> str:
        return self.stack.partition("/")[0]

    @property
    def total(self) -> float:
        return sum(item.monthly for item in self.items)


@dataclass
class EnvCost:
    env: str
    region: str
    as_of: str
    source: str
    stacks: list[StackCost] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(stack.total for stack in self.stacks)

    def by_app(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for stack in self.stacks:
            totals[stack.app] = totals.get(stack.app, 0.0) + stack.total
        return totals

    def by_category(self, app: str | None = None) -> dict[str, float]:
        """Monthly totals per category (`nat`, `fargate`...), of one app or the whole env."""
        totals: dict[str, float] = {}
        for stack in self.stacks:
            if app is None or stack.app == app:
                for item in stack.items:
                    totals[item.category] = totals.get(item.category, 0.0) + item.monthly
        return totals

    def not_estimated(self) -> list[tuple[str, NotEstimated]]:
        return [(stack.stack, missing) for stack in self.stacks for missing in stack.not_estimated]
