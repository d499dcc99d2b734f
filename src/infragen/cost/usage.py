"""Usage assumptions a stack's monthly cost depends on, written as `usage:` beside its vars.

Only pydantic here: `infragen.model` validates `usage:` with this model while loading config,
so a typo or a negative number is reported with file, line and column like any other key.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HOURS_PER_MONTH = 730.0


class Usage(BaseModel):
    """Monthly quantities; every field applies to the resources of its own stack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: float = Field(
        default=HOURS_PER_MONTH,
        ge=0,
        le=744,
        description="Hours a month the stack's compute runs (less when it scales to zero).",
    )
    requests_millions: float = Field(
        default=0, ge=0, description="API Gateway, Lambda, CloudFront and WAF requests."
    )
    lambda_duration_ms: float = Field(default=100, ge=1, le=900_000)
    nat_gb: float = Field(default=0, ge=0, description="GB processed by the NAT gateways.")
    endpoint_gb: float = Field(default=0, ge=0, description="GB through interface endpoints.")
    lcu: float = Field(default=0, ge=0, description="Average load balancer capacity units.")
    transfer_gb: float = Field(default=0, ge=0, description="CloudFront GB out to viewers.")
    log_gb: float = Field(default=0, ge=0, description="CloudWatch Logs GB ingested.")
    storage_gb: float = Field(default=0, ge=0, description="S3, ECR or DynamoDB GB stored.")
    reads_millions: float = Field(default=0, ge=0, description="DynamoDB on-demand reads.")
    writes_millions: float = Field(default=0, ge=0, description="DynamoDB on-demand writes.")
    active_hours: float = Field(
        default=0, ge=0, le=744, description="App Runner hours spent serving requests."
    )
