"""What happened to each stack: the value every verb returns and the summary prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from infragen.aws.types import Change, StackEvent


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ABSENT = "absent"  # delete: nothing to delete
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def ok(self) -> bool:
        return self not in (Outcome.FAILED, Outcome.SKIPPED)


@dataclass
class StackResult:
    stack_id: str
    cfn_name: str
    outcome: Outcome
    reason: str = ""
    status: str = ""  # the CloudFormation status at the end, when known
    root_cause: StackEvent | None = None
    changes: list[Change] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def explain(self) -> str:
        """One line for the summary: reason, and the root-cause event when there is one."""
        parts = [self.reason] if self.reason else []
        if self.root_cause is not None:
            rc = self.root_cause
            parts.append(
                f"root cause: {rc.logical_id} ({rc.resource_type}) {rc.status}: {rc.reason}"
            )
        return "; ".join(parts)


@dataclass
class RunSummary:
    results: list[StackResult]
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(r.ok for r in self.results)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)
