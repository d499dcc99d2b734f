"""Amazon CloudFront, in infragen's store: the ids and domain name the cdn blueprint wires
onward (DNS aliases, bucket policies, WAF); no edge serves anything.

moto 5.2.5 has a CloudFront backend but no CloudFormation models for it, and its API
takes the distribution config in the API's Quantity/Items shape, not CloudFormation's.
"""

from __future__ import annotations

import string
from typing import Any

from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import UPPER, EmulatedResource

# CloudFront's alias hosted zone for every distribution (Route 53 AliasTarget).
HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"


class Distribution(EmulatedResource, CloudFormationModel):
    """AWS::CloudFront::Distribution: Ref and Id are `E` + 13 characters, DomainName
    `d<13 lower-case characters>.cloudfront.net`. Every property updates in place."""

    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = frozenset({"DomainName", "Id"})

    def on_create(self) -> None:
        self.distribution_id = "E" + self.token(13, UPPER)
        lower = string.ascii_lowercase + string.digits
        self.domain_name = f"d{self.token(13, lower, 'domain')}.cloudfront.net"

    def ref(self) -> str:
        return self.distribution_id

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.distribution_id, "DomainName": self.domain_name}


class OriginAccessControl(EmulatedResource, CloudFormationModel):
    """AWS::CloudFront::OriginAccessControl: Ref and Id are `E` + 13 characters."""

    TYPE = "AWS::CloudFront::OriginAccessControl"
    ATTRIBUTES = frozenset({"Id"})

    def on_create(self) -> None:
        self.control_id = "E" + self.token(13, UPPER)

    def ref(self) -> str:
        return self.control_id

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.control_id}
