"""Token-bucket throttling as API Gateway takes it (REST stages and HTTP API routes alike)."""

from __future__ import annotations

from pydantic import Field, model_validator

from infragen.blueprints.base import BlueprintVars, VarError


class Throttling(BlueprintVars):
    rate: int | float = Field(gt=0)  # steady requests per second
    burst: int = Field(ge=0)

    @model_validator(mode="after")
    def _burst(self) -> Throttling:
        if self.burst < self.rate:
            raise VarError(
                f"burst {self.burst} is below rate {self.rate:g}: the bucket could never fill",
                "burst",
            )
        return self
