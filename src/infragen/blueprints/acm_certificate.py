"""A DNS-validated ACM certificate for a domain and its alternative names.

CloudFront only accepts certificates from us-east-1, whatever region the distribution's own
stack is in. Such a certificate gets its own stack pinned with `region: us-east-1`, and the
distribution stack takes its ARN as `!stack_output app/cert::CertificateArn`: infragen deploys
each stack in its own region and passes the value across regions as a Parameter.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import Ref
from troposphere import certificatemanager as acm

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    VarError,
    build_context,
)

# A lowercase DNS name, optionally a wildcard in its first label: `*.example.com`.
DOMAIN_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
HOSTED_ZONE_RE = re.compile(r"^Z[A-Z0-9]{1,31}$")
# https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html (CloudFront integration)
CLOUDFRONT_REGION = "us-east-1"
# https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html: 10 names by default.
MAX_NAMES = 10


def check_domain(name: str, *path: str | int) -> str:
    """`name` when it is a lowercase DNS name (a leading `*.` allowed); VarError otherwise."""
    if not DOMAIN_RE.match(name) or len(name) > 253:
        raise VarError(
            f"{name!r} is not a lowercase DNS name such as app.example.com or *.example.com",
            *path,
        )
    return name


def not_in_us_east_1(region: str, what: str, fix: str) -> str | None:
    """The message for a CloudFront piece that would deploy outside us-east-1, else None."""
    if region == CLOUDFRONT_REGION:
        return None
    return (
        f"{what} {CLOUDFRONT_REGION}, but this stack deploys to {region}; add `region: "
        f"{CLOUDFRONT_REGION}` to the stack {fix}"
    )


def check_hosted_zone(value: Any, *path: str | int) -> Any:
    """A literal hosted zone id must look like one (Z + letters/digits); tags pass through."""
    if isinstance(value, str) and not HOSTED_ZONE_RE.match(value):
        raise VarError(f"{value!r} is not a Route 53 hosted zone id such as Z0123456789ABC", *path)
    return value


class AcmCertificateVars(BlueprintVars):
    domain_name: str
    subject_alternative_names: list[str] = Field(default_factory=list)
    # The public zone ACM writes its validation CNAMEs into (every name must be in it).
    hosted_zone_id: DeployStr
    # The certificate is for CloudFront: refuse to build it outside us-east-1.
    for_cloudfront: bool = False
    key_algorithm: Literal["RSA_2048", "EC_prime256v1", "EC_secp384r1"] = "RSA_2048"

    @field_validator("domain_name")
    @classmethod
    def _domain(cls, name: str) -> str:
        return check_domain(name)

    @field_validator("subject_alternative_names")
    @classmethod
    def _sans(cls, names: list[str]) -> list[str]:
        for index, name in enumerate(names):
            check_domain(name, index)
        return names

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone(cls, value: Any) -> Any:
        return check_hosted_zone(value)

    @model_validator(mode="after")
    def _names(self) -> AcmCertificateVars:
        names = [self.domain_name, *self.subject_alternative_names]
        if len(set(names)) != len(names):
            raise VarError(
                "a name is listed twice (domain_name is always on the certificate)",
                "subject_alternative_names",
            )
        if len(names) > MAX_NAMES:
            raise VarError(
                f"{len(names)} names; ACM allows {MAX_NAMES} per certificate by default",
                "subject_alternative_names",
            )
        return self

    @model_validator(mode="after")
    def _region(self, info: ValidationInfo) -> AcmCertificateVars:
        context = build_context(info)
        problem = context and self.for_cloudfront and _region_problem(context.region)
        if problem:
            raise VarError(problem, "for_cloudfront")
        return self

    @property
    def names(self) -> list[str]:
        return [self.domain_name, *self.subject_alternative_names]


def _region_problem(region: str) -> str | None:
    return not_in_us_east_1(
        region,
        "CloudFront only uses certificates from",
        "and pass CertificateArn to the distribution with !stack_output",
    )


class AcmCertificate(Blueprint):
    """One certificate, validated through DNS records ACM creates in the given zone."""

    description = "ACM certificate: DNS-validated in a Route 53 zone, for CloudFront or regional"
    Vars = AcmCertificateVars
    outputs = {"CertificateArn": "ARN of the certificate"}
    vars: AcmCertificateVars

    def build(self):
        v = self.vars
        t = self.template
        problem = v.for_cloudfront and _region_problem(self.context.region)
        if problem:  # also checked with the vars when config is loaded
            raise ValueError(f"for_cloudfront: {problem}")
        use = "CloudFront" if v.for_cloudfront else self.context.region
        t.set_description(f"{self.context.stack_id}: ACM certificate {v.domain_name} ({use})")
        props: dict[str, Any] = {
            "DomainName": v.domain_name,
            "ValidationMethod": "DNS",
            "KeyAlgorithm": v.key_algorithm,
            # Public certificates must be CT-logged for browsers to trust them.
            "CertificateTransparencyLoggingPreference": "ENABLED",
            # With HostedZoneId, CloudFormation creates the validation CNAMEs itself and the
            # stack waits until the certificate is issued.
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html
            "DomainValidationOptions": [
                acm.DomainValidationOption(DomainName=name, HostedZoneId=v.hosted_zone_id)
                for name in v.names
            ],
        }
        if v.subject_alternative_names:
            props["SubjectAlternativeNames"] = list(v.subject_alternative_names)
        certificate = t.add_resource(acm.Certificate("Certificate", **props))
        self.output("CertificateArn", Ref(certificate))
        return t
