"""AWS Budgets, backed by moto's Budgets backend (DescribeBudgets shows the budget and
DescribeNotificationsForBudget its notifications; no spend is ever measured)."""

from __future__ import annotations

from typing import Any

from moto.budgets.models import BudgetsBackend, budgets_backends
from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> BudgetsBackend:
    return budgets_backends[resource.account_id][get_partition(resource.region_name)]


def _spend(value: dict[str, Any]) -> dict[str, Any]:
    """The API's Spend has a string Amount; CloudFormation allows a number."""
    return {**value, "Amount": str(value.get("Amount"))}


class Budget(EmulatedResource, CloudFormationModel):
    """AWS::Budgets::Budget: a moto budget with its notifications and subscribers; Ref and
    Id are the budget name. Limits and filters update in place; a new name or other
    notifications replace it (both are create-only in CloudFormation)."""

    TYPE = "AWS::Budgets::Budget"
    ATTRIBUTES = frozenset({"Id"})
    CREATE_ONLY = ("Budget/BudgetName", "NotificationsWithSubscribers")

    def _budget(self) -> dict[str, Any]:
        budget = dict(self.prop("Budget", {}))
        budget["BudgetName"] = self.name
        if "BudgetLimit" in budget:
            budget["BudgetLimit"] = _spend(budget["BudgetLimit"])
        if "PlannedBudgetLimits" in budget:
            budget["PlannedBudgetLimits"] = {
                k: _spend(v) for k, v in budget["PlannedBudgetLimits"].items()
            }
        return budget

    def on_create(self) -> None:
        self.name = self.prop("Budget", {}).get("BudgetName") or self.name
        _backend(self).create_budget(
            account_id=self.account_id,
            budget=self._budget(),
            notifications=list(self.prop("NotificationsWithSubscribers", [])),
        )

    def on_update(self, previous: dict[str, Any]) -> None:
        stored = _backend(self).budgets[self.account_id][self.name]
        stored.budget.update(self._budget())

    def on_delete(self) -> None:
        _backend(self).budgets[self.account_id].pop(self.name, None)

    def ref(self) -> str:
        return self.name

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.name}
