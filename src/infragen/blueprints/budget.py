"""A monthly cost budget in USD that warns by e-mail and/or SNS before the money is gone.

Notifications fire on ACTUAL spend (already billed) or FORECASTED spend (AWS's projection for
the month), each at a percentage of the limit. A cost filter on a tag only counts once that
tag is activated as a cost allocation tag in the Billing console (an account setting).
https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create.html
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from troposphere import Ref, budgets

from infragen.blueprints.base import Blueprint, BlueprintVars, DeployStr, VarError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# AWS Budgets: at most 10 e-mail subscribers and one SNS topic per notification.
MAX_EMAILS = 10


class Threshold(BlueprintVars):
    percent: int | float = Field(gt=0, le=1000)
    type: Literal["ACTUAL", "FORECASTED"] = "ACTUAL"


class TagFilter(BlueprintVars):
    """Count only costs of resources with this tag (values are OR'ed)."""

    key: str = Field(pattern=r"^[A-Za-z0-9_.:/=+@ -]{1,128}$")
    values: list[str] = Field(min_length=1)


class BudgetVars(BlueprintVars):
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")  # default: stack
    limit_usd: int | float = Field(gt=0)
    tag_filter: TagFilter | None = None
    notifications: list[Threshold] = Field(
        default_factory=lambda: [
            Threshold(percent=80, type="ACTUAL"),
            Threshold(percent=100, type="FORECASTED"),
        ],
        min_length=1,
    )
    emails: list[str] = Field(default_factory=list, max_length=MAX_EMAILS)
    # The topic's policy must let budgets.amazonaws.com publish (the topic's stack grants it).
    sns_topic_arn: DeployStr | None = None

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for index, email in enumerate(emails):
            if not EMAIL_RE.match(email):
                raise VarError(f"{email!r} is not an e-mail address", index)
        if len(set(emails)) != len(emails):
            raise ValueError("an address is listed twice")
        return emails

    @model_validator(mode="after")
    def _someone_is_told(self) -> BudgetVars:
        if not self.emails and self.sns_topic_arn is None:
            raise VarError(
                "give emails and/or sns_topic_arn: a silent budget helps no one", "emails"
            )
        seen = set()
        for index, threshold in enumerate(self.notifications):
            key = (threshold.percent, threshold.type)
            if key in seen:
                raise VarError(
                    f"{threshold.type} at {threshold.percent:g}% is listed twice",
                    "notifications",
                    index,
                )
            seen.add(key)
        return self


class Budget(Blueprint):
    description = "Monthly cost budget in USD with ACTUAL/FORECASTED notifications"
    Vars = BudgetVars
    outputs = {"BudgetName": "Name of the budget"}
    vars: BudgetVars

    def build(self):
        v = self.vars
        t = self.template
        name = self.context.physical_name(v.name)
        t.set_description(f"{self.context.stack_id}: monthly budget {name}, {v.limit_usd:g} USD")
        data: dict[str, Any] = {
            "BudgetName": name,
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": budgets.Spend(Amount=v.limit_usd, Unit="USD"),
        }
        if v.tag_filter is not None:
            # Cost Explorer's tag filter format: "user:<key>$<value>".
            data["CostFilters"] = {
                "TagKeyValue": [f"user:{v.tag_filter.key}${value}" for value in v.tag_filter.values]
            }
        budget = t.add_resource(
            budgets.Budget(
                "Budget",
                Budget=budgets.BudgetData(**data),
                NotificationsWithSubscribers=[
                    budgets.NotificationWithSubscribers(
                        Notification=budgets.Notification(
                            NotificationType=n.type,
                            ComparisonOperator="GREATER_THAN",
                            Threshold=n.percent,
                            ThresholdType="PERCENTAGE",
                        ),
                        Subscribers=self._subscribers(),
                    )
                    for n in v.notifications
                ],
            )
        )
        self.output("BudgetName", Ref(budget))
        return t

    def _subscribers(self) -> list[budgets.Subscriber]:
        v = self.vars
        found = [budgets.Subscriber(SubscriptionType="EMAIL", Address=e) for e in v.emails]
        if v.sns_topic_arn is not None:
            found.append(budgets.Subscriber(SubscriptionType="SNS", Address=v.sns_topic_arn))
        return found
