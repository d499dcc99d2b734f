"""A CloudFront distribution: S3 origins behind an Origin Access Control, HTTPS custom origins
(ALB, App Runner, API Gateway) with origin-verify headers, path-routed cache behaviours using
AWS managed policies, custom domain with an ACM certificate, WAF, logs, DNS aliases, alarms.

CloudFront is global but its certificate and CLOUDFRONT-scope web ACL live in us-east-1: this
stack may deploy anywhere and takes both ARNs as deploy-time values, typically
`!stack_output` of stacks pinned with `region: us-east-1`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import GetAtt, Ref, Sub, cloudfront, route53

from infragen.blueprints.acm_certificate import check_domain, check_hosted_zone
from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    VarError,
    build_context,
)
from infragen.blueprints.checked import Checked, build_property
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.naming import short_name
from infragen.facts.secrets import looks_secret, words

# AWS managed policies by name -> id (ids are what CloudFormation takes).
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
CACHE_POLICIES = {
    "Amplify": "2e54312d-136d-493c-8eb9-b001f22f67d2",
    "CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    "Elemental-MediaPackage": "08627262-05a9-4f76-9ded-b50ca2e3a84f",
    "UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    "UseOriginCacheControlHeaders-QueryStrings": "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
}
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
ORIGIN_REQUEST_POLICIES = {
    "AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "AllViewerAndCloudFrontHeaders-2022-06": "33f36d7e-f396-46d9-90e0-52428a34d9dc",
    "AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "CORS-CustomOrigin": "59781a5b-3903-41f3-afcb-af62929ccde1",
    "CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "Elemental-MediaTailor-PersonalizedManifests": "775133bc-15f2-49f9-abea-afb2e0bf67d2",
    "UserAgentRefererHeaders": "acba4595-bd28-49b8-b9fe-13317c0390fa",
}
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
RESPONSE_HEADERS_POLICIES = {
    "CORS-and-SecurityHeadersPolicy": "e61eb60c-9c35-4d20-a928-2b84e02af89c",
    "CORS-With-Preflight": "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
    "CORS-with-preflight-and-SecurityHeadersPolicy": "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
    "SecurityHeadersPolicy": "67f7725c-6f97-4210-82d7-5512b31e9d03",
    "SimpleCORS": "60669652-455b-4ae9-85a4-c4c02393f86c",
}
# These forward the viewer's Host header, which S3 answers with an error.
S3_INCOMPATIBLE_REQUEST_POLICIES = frozenset({"AllViewer", "AllViewerAndCloudFrontHeaders-2022-06"})
POLICY_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The fixed hosted zone of every CloudFront domain name, for Route 53 alias records.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-route53-recordset-aliastarget.html
CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"
CLOUDFRONT_REGION = "us-east-1"
ORIGIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$")
PATH_PATTERN_RE = re.compile(r"^/?[A-Za-z0-9_\-.*$/~\"'@:+?&=]+$")
# Headers CloudFront refuses to add to origin requests.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html
FORBIDDEN_ORIGIN_HEADERS = frozenset(
    {
        "cache-control",
        "connection",
        "content-length",
        "cookie",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "max-forwards",
        "pragma",
        "proxy-authorization",
        "proxy-connection",
        "range",
        "request-range",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
        "x-real-ip",
    }
)
FORBIDDEN_ORIGIN_HEADER_PREFIXES = ("x-amz-", "x-edge-")
# Origin headers whose value is a shared secret (the origin checks it to refuse traffic that
# bypasses CloudFront, or it is a credential): only a Secrets Manager dynamic reference may
# fill them. Other secret-looking names are decided by infragen.facts.secrets, like elsewhere.
SECRET_HEADERS = frozenset({"x-origin-verify", "authorization"})
DYNAMIC_SECRET_PREFIX = "{{resolve:secretsmanager:"
METHODS = {
    "GET_HEAD": (["GET", "HEAD"], ["GET", "HEAD"]),
    "GET_HEAD_OPTIONS": (["GET", "HEAD", "OPTIONS"], ["GET", "HEAD"]),
    "ALL": (["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"], ["GET", "HEAD"]),
}
Methods = Literal["GET_HEAD", "GET_HEAD_OPTIONS", "ALL"]
ViewerProtocol = Literal["redirect-to-https", "https-only"]


def _policy(value: Any, table: dict[str, str], what: str, *path: str | int) -> Any:
    """A managed policy name becomes its id; an id or a deploy-time value passes through."""
    if not isinstance(value, str) or POLICY_ID_RE.match(value):
        return value
    if value in table:
        return table[value]
    raise VarError(
        f"{value!r} is neither an AWS managed {what} ({', '.join(sorted(table))}) nor a policy id",
        *path,
    )


def header_is_secret(name: str) -> bool:
    """Origin-verify headers (any name with the word `verify`) and secret-looking names."""
    return name.lower() in SECRET_HEADERS or "verify" in words(name) or looks_secret(name)


class S3Origin(BlueprintVars):
    """A private bucket read through this distribution's Origin Access Control.

    The bucket's policy must let CloudFront read: an s3-bucket stack with `cloudfront_read`.
    """

    # `!stack_output app/bucket::BucketName` (or a literal name).
    bucket_name: DeployStr
    # The bucket's region; default: this stack's. CloudFront reads it through the regional
    # endpoint <bucket>.s3.<region>.amazonaws.com.
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class CustomOrigin(BlueprintVars):
    """An HTTPS origin (ALB, App Runner, API Gateway): TLS 1.2 to the origin, always."""

    # The origin's DNS name without scheme, e.g. `!stack_output app/web::ServiceUrl`.
    domain_name: DeployStr
    https_port: int = Field(default=443, ge=1, le=65535)
    # Above 60 s needs a CloudFront quota increase (the hard limit is 180 s).
    read_timeout_seconds: int = Field(default=30, ge=1, le=180)
    keepalive_timeout_seconds: int = Field(default=5, ge=1, le=180)

    @field_validator("domain_name")
    @classmethod
    def _bare_host(cls, value: Any) -> Any:
        if isinstance(value, str) and ("://" in value or "/" in value):
            raise ValueError(f"{value!r}: give the host name only, without scheme or path")
        return value


class Origin(BlueprintVars):
    exactly_one_of = (("s3", "custom"),)

    s3: S3Origin | None = None
    custom: CustomOrigin | None = None
    origin_path: str = Field(default="", pattern=r"^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$")
    # Header name -> value added to every request to this origin. A secret-looking name
    # (X-Origin-Verify, ...) only takes `!secret secretsmanager:name:key`.
    headers: dict[str, DeployStr] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> Origin:
        for name, value in self.headers.items():
            _check_header(name, value)
        return self

    @property
    def kind(self) -> str:
        return "s3" if self.s3 is not None else "custom"


def _check_header(name: str, value: Any) -> None:
    lower = name.lower()
    if not HEADER_NAME_RE.match(name):
        raise VarError(f"{name!r} is not an HTTP header name", "headers", name)
    if lower in FORBIDDEN_ORIGIN_HEADERS or lower.startswith(FORBIDDEN_ORIGIN_HEADER_PREFIXES):
        raise VarError(
            f"CloudFront cannot add the {name} header to origin requests", "headers", name
        )
    if header_is_secret(name) and not (
        isinstance(value, str) and value.startswith(DYNAMIC_SECRET_PREFIX)
    ):
        raise VarError(
            f"{name} carries a secret: its value must be `!secret secretsmanager:name[:key]` "
            "(a dynamic reference CloudFormation resolves), never written in config or passed "
            "as a parameter",
            "headers",
            name,
        )


class BehaviorSettings(BlueprintVars):
    """Typed behaviour settings; policies by AWS managed name, id, or deploy-time value."""

    origin: str | None = None
    # Default: CachingOptimized for S3 origins, CachingDisabled for custom origins (an API's
    # responses are per user; caching them by default would serve one user's data to another).
    cache_policy: DeployStr | None = None
    # Default: none for S3; AllViewerExceptHostHeader for custom origins (App Runner and ALBs
    # route on their own host name, so the viewer's Host must not be forwarded).
    origin_request_policy: DeployStr | None = None
    response_headers_policy: DeployStr | None = Field(
        default="SecurityHeadersPolicy", validate_default=True
    )
    # Default: GET_HEAD for S3 (read-only), ALL for custom origins.
    allowed_methods: Methods | None = None
    viewer_protocol_policy: ViewerProtocol = "redirect-to-https"
    compress: bool = True

    @field_validator("cache_policy")
    @classmethod
    def _cache(cls, value: Any) -> Any:
        return _policy(value, CACHE_POLICIES, "cache policy")

    @field_validator("origin_request_policy")
    @classmethod
    def _request(cls, value: Any) -> Any:
        return _policy(value, ORIGIN_REQUEST_POLICIES, "origin request policy")

    @field_validator("response_headers_policy")
    @classmethod
    def _response(cls, value: Any) -> Any:
        return _policy(value, RESPONSE_HEADERS_POLICIES, "response headers policy")


class DefaultBehavior(BehaviorSettings):
    # The whole DefaultCacheBehavior with CloudFormation's keys, instead of the fields above.
    cloudformation: Checked(cloudfront.DefaultCacheBehavior) | None = None  # type: ignore[valid-type]


class Behavior(BehaviorSettings):
    path: str | None = None
    # The whole CacheBehavior with CloudFormation's keys, instead of the fields above.
    cloudformation: Checked(cloudfront.CacheBehavior) | None = None  # type: ignore[valid-type]

    @field_validator("path")
    @classmethod
    def _path(cls, path: str | None) -> str | None:
        if path is not None and (not PATH_PATTERN_RE.match(path) or len(path) > 255):
            raise ValueError(f"{path!r} is not a CloudFront path pattern such as /api/*")
        return path


class ErrorResponse(BlueprintVars):
    """e.g. an SPA: `{error_code: 404, response_code: 200, response_page_path: /index.html}`."""

    error_code: Literal[400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504]
    response_code: Literal[200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504] | None = None
    response_page_path: str | None = Field(default=None, pattern=r"^/\S*$")
    caching_min_ttl_seconds: int = Field(default=10, ge=0)

    @model_validator(mode="after")
    def _pair(self) -> ErrorResponse:
        if (self.response_code is None) != (self.response_page_path is None):
            raise VarError("response_code and response_page_path go together", "response_page_path")
        return self


class Logging(BlueprintVars):
    """Standard (legacy) access logs. The bucket must have ACLs enabled (ObjectOwnership
    BucketOwnerPreferred): CloudFront writes logs through the awslogsdelivery ACL grant."""

    # `<bucket>.s3.amazonaws.com`
    bucket_domain_name: DeployStr
    prefix: str = Field(default="", pattern=r"^([A-Za-z0-9._-]+/)*$")
    include_cookies: bool = False

    @field_validator("bucket_domain_name")
    @classmethod
    def _domain(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.endswith(".s3.amazonaws.com"):
            raise ValueError(f"{value!r} is not a bucket domain name <bucket>.s3.amazonaws.com")
        return value


class Dns(BlueprintVars):
    """Route 53 A and AAAA alias records for every alias, in this hosted zone."""

    hosted_zone_id: DeployStr

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone(cls, value: Any) -> Any:
        return check_hosted_zone(value)


class CdnAlarms(BlueprintVars):
    error_rate_5xx_percent: float | None = Field(default=None, gt=0, le=100)
    period_seconds: int = Field(default=300, ge=60)
    evaluation_periods: int = Field(default=1, ge=1)
    actions: list[DeployStr] = Field(default_factory=list)


class CdnVars(BlueprintVars):
    comment: str = Field(default="", max_length=128)
    origins: dict[str, Origin] = Field(min_length=1)
    default_behavior: DefaultBehavior
    # Ordered: the first pattern that matches a request wins.
    behaviors: list[Behavior] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    # ACM certificate in us-east-1 covering every alias (`!stack_output` of an acm-certificate
    # stack pinned to us-east-1); required with aliases.
    certificate_arn: DeployStr | None = None
    # ARN of a CLOUDFRONT-scope web ACL (waf-web-acl stack pinned to us-east-1).
    web_acl_arn: DeployStr | None = None
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    default_root_object: str | None = Field(default=None, pattern=r"^[^/\s][^\s]*$")
    error_responses: list[ErrorResponse] = Field(default_factory=list)
    logging: Logging | None = None
    dns: Dns | None = None
    alarms: CdnAlarms | None = None

    @field_validator("origins")
    @classmethod
    def _origin_ids(cls, origins: dict[str, Origin]) -> dict[str, Origin]:
        for origin_id in origins:
            if not ORIGIN_ID_RE.match(origin_id):
                raise VarError(f"{origin_id!r}: origin ids are letters, digits, - and _", origin_id)
        return origins

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, names: list[str]) -> list[str]:
        for index, name in enumerate(names):
            check_domain(name, index)
        if len(set(names)) != len(names):
            raise ValueError("an alias is listed twice")
        return names

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.match(r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:", value):
            raise ValueError(
                f"{value!r} is not an ACM certificate ARN in us-east-1 (CloudFront uses no other "
                "region's certificates)"
            )
        return value

    @field_validator("web_acl_arn")
    @classmethod
    def _web_acl(cls, value: Any) -> Any:
        # CLOUDFRONT-scope web ACLs are "global" and live in us-east-1.
        if isinstance(value, str) and not re.match(
            r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/", value
        ):
            raise ValueError(
                f"{value!r} is not the ARN of a CLOUDFRONT-scope web ACL "
                "(arn:aws:wafv2:us-east-1:<account>:global/webacl/...); a REGIONAL one cannot "
                "protect a distribution"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CdnVars:
        if bool(self.aliases) != (self.certificate_arn is not None):
            raise VarError(
                "aliases need a certificate_arn covering them, and a certificate needs aliases",
                "certificate_arn" if self.aliases else "aliases",
            )
        if self.dns is not None and not self.aliases:
            raise VarError("dns creates records for the aliases; list aliases", "dns")
        _check_behavior(self.default_behavior, self.origins, ("default_behavior",))
        paths: set[str] = set()
        for index, behavior in enumerate(self.behaviors):
            where = ("behaviors", index)
            _check_behavior(behavior, self.origins, where)
            path = behavior.path or (behavior.cloudformation or {}).get("PathPattern")
            if path is None:
                raise VarError("an ordered behaviour needs a path such as /api/*", *where, "path")
            if path in paths:
                raise VarError(f"path {path!r} is listed twice", *where, "path")
            paths.add(path)
        codes = [r.error_code for r in self.error_responses]
        if len(set(codes)) != len(codes):
            raise VarError("an error code is listed twice", "error_responses")
        return self

    @model_validator(mode="after")
    def _alarm_region(self, info: ValidationInfo) -> CdnVars:
        context = build_context(info)
        problem = context and self.alarms is not None and alarm_region_problem(context.region)
        if problem:
            raise VarError(problem, "alarms")
        return self


def alarm_region_problem(region: str) -> str | None:
    """CloudFront metrics exist in us-east-1 only: an alarm elsewhere watches nothing."""
    if region == CLOUDFRONT_REGION:
        return None
    return (
        f"CloudFront publishes its metrics in {CLOUDFRONT_REGION} only, so an alarm in "
        f"{region} would never fire; add `region: {CLOUDFRONT_REGION}` to the stack or drop "
        "alarms"
    )


def _check_behavior(
    behavior: BehaviorSettings, origins: dict[str, Origin], where: tuple[str | int, ...]
) -> None:
    raw = getattr(behavior, "cloudformation", None)
    if raw is not None:
        _check_raw_behavior(behavior, raw, origins, where)
        return
    if behavior.origin is None:
        raise VarError("name the origin this behaviour sends requests to", *where, "origin")
    if behavior.origin not in origins:
        raise VarError(
            f"origin {behavior.origin!r} is not one of {sorted(origins)}", *where, "origin"
        )
    if origins[behavior.origin].kind != "s3":
        return
    if behavior.allowed_methods == "ALL":
        raise VarError(
            "an S3 origin is read-only through CloudFront; use GET_HEAD or GET_HEAD_OPTIONS",
            *where,
            "allowed_methods",
        )
    bad = {ORIGIN_REQUEST_POLICIES[n] for n in S3_INCOMPATIBLE_REQUEST_POLICIES}
    if behavior.origin_request_policy in bad:
        raise VarError(
            "this origin request policy forwards the viewer's Host header, which S3 refuses; "
            "use CORS-S3Origin or none",
            *where,
            "origin_request_policy",
        )


def _check_raw_behavior(
    behavior: BehaviorSettings,
    raw: dict[str, Any],
    origins: dict[str, Origin],
    where: tuple[str | int, ...],
) -> None:
    others = behavior.model_fields_set - {"cloudformation", "path"}
    if others or (getattr(behavior, "path", None) is not None):
        raise VarError(
            "cloudformation replaces the typed fields; give one or the other",
            *where,
            sorted(others)[0] if others else "path",
        )
    target = raw.get("TargetOriginId")
    if isinstance(target, str) and target not in origins:
        raise VarError(
            f"origin {target!r} is not one of {sorted(origins)}",
            *where,
            "cloudformation",
            "TargetOriginId",
        )
    if raw.get("ViewerProtocolPolicy") == "allow-all":
        raise VarError(
            "viewers must use HTTPS: redirect-to-https or https-only",
            *where,
            "cloudformation",
            "ViewerProtocolPolicy",
        )


ALARMS = (
    AlarmSpec(
        "ErrorRate5xxAlarm",
        metric="5xxErrorRate",
        statistic="Average",
        threshold_var="error_rate_5xx_percent",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: over {threshold}% of requests answered 5xx for {minutes} minutes",
    ),
)


class Cdn(Blueprint):
    """One distribution; S3 origins share one Origin Access Control created here."""

    description = "CloudFront distribution: S3 (OAC) and HTTPS origins, behaviours, TLS, WAF, DNS"
    Vars = CdnVars
    outputs = {
        "DistributionId": "Id of the distribution (for invalidations)",
        "DistributionDomainName": "The distribution's *.cloudfront.net name",
        "DistributionArn": "ARN of the distribution (an S3 origin's cloudfront_read grant)",
        "OriginAccessControlId": OutputSpec(
            "Origin Access Control used for S3 origins",
            when=lambda v: any(o.s3 is not None for o in v.origins.values()),
        ),
    }
    vars: CdnVars

    @property
    def distribution_name(self) -> str:
        return self.context.physical_name()

    def build(self):
        v = self.vars
        t = self.template
        problem = v.alarms is not None and alarm_region_problem(self.context.region)
        if problem:  # also checked with the vars when config is loaded
            raise ValueError(f"alarms: {problem}")
        t.set_description(
            f"{self.context.stack_id}: CloudFront distribution {self.distribution_name}"
        )
        oac = self._origin_access_control()
        config: dict[str, Any] = {
            "Enabled": True,
            "Comment": v.comment or self.distribution_name,
            "Origins": [self._origin(i, o, oac) for i, o in v.origins.items()],
            "DefaultCacheBehavior": self._default_behavior(),
            "HttpVersion": "http2and3",
            "IPV6Enabled": True,
            "PriceClass": v.price_class,
            "ViewerCertificate": self._certificate(),
        }
        if v.behaviors:
            config["CacheBehaviors"] = [self._behavior(b) for b in v.behaviors]
        if v.aliases:
            config["Aliases"] = list(v.aliases)
        if v.web_acl_arn is not None:
            config["WebACLId"] = v.web_acl_arn  # WAFv2 takes the web ACL's ARN here
        if v.default_root_object:
            config["DefaultRootObject"] = v.default_root_object
        if v.error_responses:
            config["CustomErrorResponses"] = [_error_response(r) for r in v.error_responses]
        if v.logging is not None:
            config["Logging"] = cloudfront.Logging(
                Bucket=v.logging.bucket_domain_name,
                Prefix=v.logging.prefix or f"{self.distribution_name}/",
                IncludeCookies=v.logging.include_cookies,
            )
        distribution = t.add_resource(
            cloudfront.Distribution(
                "Distribution", DistributionConfig=cloudfront.DistributionConfig(**config)
            )
        )
        if v.dns is not None:
            self._dns(distribution, v.dns)
        if v.alarms is not None:
            self.add_alarms(
                ALARMS,
                v.alarms,
                subject=self.distribution_name,
                namespace="AWS/CloudFront",
                dimensions={"DistributionId": Ref(distribution), "Region": "Global"},
                period=v.alarms.period_seconds,
            )
        self._outputs(distribution, oac)
        return t

    def _origin_access_control(self) -> cloudfront.OriginAccessControl | None:
        """One OAC for the S3 origins: SigV4, signing every request (S3 then needs no public
        access at all). https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html"""
        if not any(o.s3 is not None for o in self.vars.origins.values()):
            return None
        return self.template.add_resource(
            cloudfront.OriginAccessControl(
                "OriginAccessControl",
                OriginAccessControlConfig=cloudfront.OriginAccessControlConfig(
                    # Unique per account; 64 characters at most.
                    Name=short_name(self.distribution_name, 64),
                    Description=f"{self.context.stack_id}: S3 origins, SigV4 always",
                    OriginAccessControlOriginType="s3",
                    SigningBehavior="always",
                    SigningProtocol="sigv4",
                ),
            )
        )

    def _origin(self, origin_id: str, origin: Origin, oac: Any) -> cloudfront.Origin:
        props: dict[str, Any] = {"Id": origin_id}
        if origin.origin_path:
            props["OriginPath"] = origin.origin_path
        if origin.headers:
            props["OriginCustomHeaders"] = [
                cloudfront.OriginCustomHeader(HeaderName=name, HeaderValue=value)
                for name, value in sorted(origin.headers.items())
            ]
        if origin.s3 is not None:
            props["DomainName"] = Sub(
                "${Bucket}.s3.${Region}.${AWS::URLSuffix}",
                Bucket=origin.s3.bucket_name,
                Region=origin.s3.region or Ref("AWS::Region"),
            )
            props["OriginAccessControlId"] = GetAtt(oac, "Id")
            # With an OAC, S3OriginConfig stays but names no (legacy) origin access identity.
            props["S3OriginConfig"] = cloudfront.S3OriginConfig(OriginAccessIdentity="")
            return cloudfront.Origin(**props)
        custom = origin.custom
        assert custom is not None
        props["DomainName"] = custom.domain_name
        props["CustomOriginConfig"] = cloudfront.CustomOriginConfig(
            OriginProtocolPolicy="https-only",
            OriginSSLProtocols=["TLSv1.2"],
            HTTPSPort=custom.https_port,
            OriginReadTimeout=custom.read_timeout_seconds,
            OriginKeepaliveTimeout=custom.keepalive_timeout_seconds,
        )
        return cloudfront.Origin(**props)

    def _settings(self, behavior: BehaviorSettings) -> dict[str, Any]:
        """CloudFormation properties of a typed behaviour, defaults chosen by origin kind."""
        assert behavior.origin is not None
        s3 = self.vars.origins[behavior.origin].kind == "s3"
        methods = behavior.allowed_methods or ("GET_HEAD" if s3 else "ALL")
        allowed, cached = METHODS[methods]
        props: dict[str, Any] = {
            "TargetOriginId": behavior.origin,
            "ViewerProtocolPolicy": behavior.viewer_protocol_policy,
            "AllowedMethods": allowed,
            "CachedMethods": cached,
            "Compress": behavior.compress,
            "CachePolicyId": behavior.cache_policy
            or CACHE_POLICIES["CachingOptimized" if s3 else "CachingDisabled"],
        }
        request_policy = behavior.origin_request_policy
        if request_policy is None and not s3:
            request_policy = ORIGIN_REQUEST_POLICIES["AllViewerExceptHostHeader"]
        if request_policy is not None:
            props["OriginRequestPolicyId"] = request_policy
        if behavior.response_headers_policy is not None:
            props["ResponseHeadersPolicyId"] = behavior.response_headers_policy
        return props

    def _default_behavior(self) -> cloudfront.DefaultCacheBehavior:
        behavior = self.vars.default_behavior
        if behavior.cloudformation is not None:
            return build_property(cloudfront.DefaultCacheBehavior, behavior.cloudformation)
        return cloudfront.DefaultCacheBehavior(**self._settings(behavior))

    def _behavior(self, behavior: Behavior) -> cloudfront.CacheBehavior:
        if behavior.cloudformation is not None:
            return build_property(cloudfront.CacheBehavior, behavior.cloudformation)
        return cloudfront.CacheBehavior(PathPattern=behavior.path, **self._settings(behavior))

    def _certificate(self) -> cloudfront.ViewerCertificate:
        if self.vars.certificate_arn is None:
            # *.cloudfront.net only; CloudFront then fixes the minimum protocol itself.
            return cloudfront.ViewerCertificate(CloudFrontDefaultCertificate=True)
        return cloudfront.ViewerCertificate(
            AcmCertificateArn=self.vars.certificate_arn,
            SslSupportMethod="sni-only",
            MinimumProtocolVersion="TLSv1.2_2021",
        )

    def _dns(self, distribution: cloudfront.Distribution, dns: Dns) -> None:
        for index, alias in enumerate(self.vars.aliases):
            for kind in ("A", "AAAA"):
                self.template.add_resource(
                    route53.RecordSetType(
                        f"Alias{index + 1}{kind}",
                        HostedZoneId=dns.hosted_zone_id,
                        Name=alias,
                        Type=kind,
                        AliasTarget=route53.AliasTarget(
                            DNSName=GetAtt(distribution, "DomainName"),
                            HostedZoneId=CLOUDFRONT_HOSTED_ZONE_ID,
                            EvaluateTargetHealth=False,
                        ),
                    )
                )

    def _outputs(self, distribution: cloudfront.Distribution, oac: Any) -> None:
        self.output("DistributionId", Ref(distribution))
        self.output("DistributionDomainName", GetAtt(distribution, "DomainName"))
        self.output(
            "DistributionArn",
            Sub(
                "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Id}",
                Id=Ref(distribution),
            ),
        )
        if oac is not None:
            self.output("OriginAccessControlId", GetAtt(oac, "Id"))


def _error_response(response: ErrorResponse) -> cloudfront.CustomErrorResponse:
    props: dict[str, Any] = {
        "ErrorCode": response.error_code,
        "ErrorCachingMinTTL": response.caching_min_ttl_seconds,
    }
    if response.response_code is not None:
        props["ResponseCode"] = response.response_code
        props["ResponsePagePath"] = response.response_page_path
    return cloudfront.CustomErrorResponse(**props)
