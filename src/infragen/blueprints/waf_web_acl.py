"""An AWS WAF web ACL: AWS managed rule groups, a per-IP rate limit, "block requests that
contain X" rules and checked custom rules, with metrics, sampled requests and logs for all.

Scope CLOUDFRONT protects distributions and must be created in us-east-1 (the distribution
takes the ARN as `web_acl_arn`, usually `!stack_output` across regions); scope REGIONAL
protects ALBs, API Gateway stages and App Runner services in the stack's own region and can
be attached here with `associate`.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import GetAtt, Ref, Sub, wafv2

from infragen.blueprints.acm_certificate import not_in_us_east_1
from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    VarError,
    build_context,
)
from infragen.blueprints.checked import build_property, check_properties
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.log_group import RetentionDays, log_group

RULE_NAME_RE = re.compile(r"^[0-9A-Za-z_-]{1,128}$")
# Baseline and use-case AWS managed rule groups that need no ManagedRuleGroupConfigs (Bot
# Control, ATP and ACFP do, and bill per request: add them as `rules` with their config).
# https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
AWS_MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesAdminProtectionRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesLinuxRuleSet",
    "AWSManagedRulesUnixRuleSet",
    "AWSManagedRulesWindowsRuleSet",
    "AWSManagedRulesPHPRuleSet",
    "AWSManagedRulesWordPressRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
)
DEFAULT_MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
RATE_LIMIT_MIN = 10
RATE_LIMIT_MAX = 2_000_000_000
# ByteMatchStatement.SearchString: 1-200 bytes.
SEARCH_STRING_MAX = 200
# Headers that carry credentials (and CloudFront's origin-verify secret on a REGIONAL ACL
# behind a distribution) are redacted from WAF logs.
DEFAULT_REDACTED_HEADERS = ("authorization", "cookie", "x-origin-verify")
MatchField = Literal["uri_path", "query_string", "body"]
FIELDS_TO_MATCH: dict[str, dict[str, Any]] = {
    "uri_path": {"UriPath": {}},
    "query_string": {"QueryString": {}},
    # Inspect what fits the inspection limit (16 KB by default) rather than block big bodies.
    "body": {"Body": {"OversizeHandling": "CONTINUE"}},
}
Transformation = Literal[
    "NONE",
    "URL_DECODE",
    "URL_DECODE_UNI",
    "HTML_ENTITY_DECODE",
    "LOWERCASE",
    "COMPRESS_WHITE_SPACE",
    "NORMALIZE_PATH",
    "BASE64_DECODE",
]
RuleActionName = Literal["block", "count", "allow", "captcha", "challenge"]


def _check_name(name: str, *path: str | int) -> str:
    if not RULE_NAME_RE.match(name):
        raise VarError(f"{name!r}: rule names are 1-128 letters, digits, '-' or '_'", *path)
    return name


class ManagedRuleGroup(BlueprintVars):
    """An AWS managed rule group by name; written as the name alone or as a mapping."""

    name: str
    # Rules of the group that only count instead of acting (AWS's replacement for
    # ExcludedRules: RuleActionOverrides with Count), e.g. SizeRestrictions_BODY.
    excluded_rules: list[str] = Field(default_factory=list)
    version: str | None = Field(default=None, pattern=r"^Version_[0-9.]+$")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in AWS_MANAGED_RULE_GROUPS:
            close = difflib.get_close_matches(name, AWS_MANAGED_RULE_GROUPS, n=1)
            hint = (
                f"did you mean {close[0]}?"
                if close
                else "known: " + ", ".join(AWS_MANAGED_RULE_GROUPS)
            )
            raise ValueError(
                f"{name!r} is not an AWS managed rule group this blueprint knows; "
                f"{hint} (others go in `rules` as a ManagedRuleGroupStatement)"
            )
        return name

    @field_validator("excluded_rules")
    @classmethod
    def _rule_names(cls, names: list[str]) -> list[str]:
        for index, name in enumerate(names):
            _check_name(name, index)
        return names


class RateLimit(BlueprintVars):
    """Block an IP that sends more than `limit` requests in `window_seconds`."""

    limit: int
    window_seconds: Literal[60, 120, 300, 600] = 300
    name: str = "RateLimitPerIp"

    @field_validator("limit")
    @classmethod
    def _limit(cls, limit: int) -> int:
        if not RATE_LIMIT_MIN <= limit <= RATE_LIMIT_MAX:
            raise ValueError(
                f"limit {limit} is outside AWS WAF's {RATE_LIMIT_MIN}-{RATE_LIMIT_MAX:,} "
                "requests per evaluation window"
            )
        return limit

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return _check_name(name)


class BlockContaining(BlueprintVars):
    """Block requests whose URI path, query string or body contains one of `values`.

    `values` are matched after `transformations` (URL-decoded and lowercased by default, so
    `%31%36%39.254.169.254` is caught too); with LOWERCASE they must be lowercase themselves.
    """

    name: str
    values: list[str] = Field(min_length=1)
    fields: list[MatchField] = Field(
        default_factory=lambda: ["uri_path", "query_string", "body"], min_length=1
    )
    transformations: list[Transformation] = Field(
        default_factory=lambda: ["URL_DECODE", "LOWERCASE"], min_length=1, max_length=10
    )

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return _check_name(name)

    @model_validator(mode="after")
    def _values(self) -> BlockContaining:
        if not self.fields:
            raise VarError("list at least one of uri_path, query_string, body", "fields")
        for index, value in enumerate(self.values):
            if not 1 <= len(value.encode()) <= SEARCH_STRING_MAX:
                raise VarError(f"a search string is 1-{SEARCH_STRING_MAX} bytes", "values", index)
            if "LOWERCASE" in self.transformations and value != value.lower():
                raise VarError(
                    f"{value!r} has capitals but the request is lowercased before matching; "
                    "write it in lowercase",
                    "values",
                    index,
                )
        return self


class CustomRule(BlueprintVars):
    """A rule of your own: `statement` is a WAF Statement written with CloudFormation's keys
    and checked against troposphere's classes (nested And/Or/Not statements included)."""

    name: str
    action: RuleActionName = "block"
    statement: dict[str, Any]

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return _check_name(name)

    @field_validator("statement")
    @classmethod
    def _statement(cls, statement: dict[str, Any]) -> dict[str, Any]:
        check_statement(statement, ())
        return statement


class WafAlarms(BlueprintVars):
    blocked_requests_threshold: int | None = Field(default=None, ge=1)
    period_seconds: int = Field(default=300, ge=60)
    evaluation_periods: int = Field(default=1, ge=1)
    actions: list[DeployStr] = Field(default_factory=list)


class WafWebAclVars(BlueprintVars):
    scope: Literal["CLOUDFRONT", "REGIONAL"]
    description: str = ""
    # AWS's baseline: OWASP-style common rules, and known bad inputs (Log4Shell among them).
    managed_rule_groups: list[ManagedRuleGroup] = Field(
        default_factory=lambda: [ManagedRuleGroup(name=n) for n in DEFAULT_MANAGED_RULE_GROUPS]
    )
    rate_limit: RateLimit | None = None
    block_containing: list[BlockContaining] = Field(default_factory=list)
    rules: list[CustomRule] = Field(default_factory=list)
    log_retention_days: RetentionDays = 30
    log_redacted_headers: list[str] = Field(default_factory=lambda: list(DEFAULT_REDACTED_HEADERS))
    # REGIONAL only: ALB, API Gateway stage, App Runner service ARNs to protect.
    associate: list[DeployStr] = Field(default_factory=list)
    alarms: WafAlarms | None = None

    @field_validator("log_redacted_headers")
    @classmethod
    def _headers(cls, names: list[str]) -> list[str]:
        for index, name in enumerate(names):
            if not re.match(r"^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$", name):
                raise VarError(f"{name!r} is not a lowercase HTTP header name", index)
        return names

    @model_validator(mode="after")
    def _consistent(self) -> WafWebAclVars:
        if self.scope == "CLOUDFRONT" and self.associate:
            raise VarError(
                "a CLOUDFRONT web ACL is attached by the distribution (the cdn blueprint's "
                "web_acl_arn), not by an association",
                "associate",
            )
        if not (self.managed_rule_groups or self.rate_limit or self.block_containing or self.rules):
            raise VarError(
                "a web ACL without rules allows everything; add managed_rule_groups, "
                "rate_limit, block_containing or rules",
                "managed_rule_groups",
            )
        groups = [g.name for g in self.managed_rule_groups]
        if len(set(groups)) != len(groups):
            raise VarError("a managed rule group is listed twice", "managed_rule_groups")
        names = [*groups, *[r.name for r in self.block_containing], *[r.name for r in self.rules]]
        if self.rate_limit is not None:
            names.append(self.rate_limit.name)
        if len(set(names)) != len(names):
            raise VarError("rule names must be unique within the web ACL", "rules")
        return self

    @model_validator(mode="after")
    def _region(self, info: ValidationInfo) -> WafWebAclVars:
        context = build_context(info)
        problem = context and self.scope == "CLOUDFRONT" and region_problem(context.region)
        if problem:
            raise VarError(problem, "scope")
        return self


def region_problem(region: str) -> str | None:
    """Why a CLOUDFRONT web ACL cannot be built in `region` (None: it can)."""
    return not_in_us_east_1(
        region,
        "a web ACL for CloudFront must be created in",
        "and give the distribution `web_acl_arn: !stack_output <this stack>::WebAclArn`",
    )


# Statements that nest other statements; troposphere types those with a validator function
# rather than a class, so they are walked here and every leaf is checked by its class.
_NESTING = {"AndStatement": "Statements", "OrStatement": "Statements", "NotStatement": "Statement"}
_SCOPED = ("RateBasedStatement", "ManagedRuleGroupStatement")


def check_statement(value: Any, path: tuple[str | int, ...]) -> None:
    """Raise VarError (located) at the first problem in a WAF Statement mapping."""
    if not isinstance(value, dict) or len(value) != 1:
        raise VarError(
            "a statement is a mapping with exactly one key, such as ByteMatchStatement", *path
        )
    kind, body = next(iter(value.items()))
    where = (*path, kind)
    if kind in _NESTING:
        key = _NESTING[kind]
        if not isinstance(body, dict) or set(body) != {key}:
            raise VarError(f"{kind} takes exactly one key, {key}", *where)
        inner = body[key]
        if key == "Statement":
            check_statement(inner, (*where, key))
            return
        if not isinstance(inner, list) or len(inner) < 2:
            raise VarError(f"{kind}.Statements takes a list of at least two statements", *where)
        for index, statement in enumerate(inner):
            check_statement(statement, (*where, key, index))
        return
    if kind in _SCOPED and isinstance(body, dict) and "ScopeDownStatement" in body:
        check_statement(body["ScopeDownStatement"], (*where, "ScopeDownStatement"))
        body = {k: v for k, v in body.items() if k != "ScopeDownStatement"}
        value = {kind: body}
    check_properties(wafv2.Statement, value, path)


def build_statement(value: dict[str, Any]) -> wafv2.Statement:
    """The troposphere Statement for a mapping `check_statement` accepted."""
    kind, body = next(iter(value.items()))
    if kind in _NESTING:
        key = _NESTING[kind]
        inner = body[key]
        built = (
            build_statement(inner) if key == "Statement" else [build_statement(s) for s in inner]
        )
        return wafv2.Statement(**{kind: getattr(wafv2, kind)(**{key: built})})
    if kind in _SCOPED and "ScopeDownStatement" in body:
        rest = {k: v for k, v in body.items() if k != "ScopeDownStatement"}
        statement = build_property(wafv2.Statement, {kind: rest})
        getattr(statement, kind).ScopeDownStatement = build_statement(body["ScopeDownStatement"])
        return statement
    return build_property(wafv2.Statement, value)


ALARMS = (
    AlarmSpec(
        "BlockedRequestsAlarm",
        metric="BlockedRequests",
        statistic="Sum",
        threshold_var="blocked_requests_threshold",
        evaluation_periods_var="evaluation_periods",
        description="{subject}: more than {threshold} requests blocked in {minutes} minutes "
        "(an attack, or a rule blocking real users)",
    ),
)


class WafWebAcl(Blueprint):
    """One web ACL (default action allow) with its rules, log group and optional associations."""

    description = "WAF web ACL: managed rule groups, rate limit, block rules, logs, alarms"
    Vars = WafWebAclVars
    outputs = {
        "WebAclArn": "ARN of the web ACL (a distribution's web_acl_arn, or for associations)",
        "WebAclId": "Id of the web ACL",
    }
    vars: WafWebAclVars

    @property
    def acl_name(self) -> str:
        return self.context.physical_name()

    def build(self):
        v = self.vars
        t = self.template
        problem = v.scope == "CLOUDFRONT" and region_problem(self.context.region)
        if problem:  # also checked with the vars when config is loaded
            raise ValueError(f"scope CLOUDFRONT: {problem}")
        t.set_description(f"{self.context.stack_id}: WAF web ACL {self.acl_name} ({v.scope})")
        props: dict[str, Any] = {
            "Name": self.acl_name,
            "Scope": v.scope,
            "DefaultAction": wafv2.DefaultAction(Allow=wafv2.AllowAction()),
            "Rules": self._rules(),
            "VisibilityConfig": _visibility(self.acl_name),
        }
        if v.description:
            props["Description"] = v.description
        acl = t.add_resource(wafv2.WebACL("WebAcl", **props))
        self._logging(acl)
        for index, arn in enumerate(v.associate):
            t.add_resource(
                wafv2.WebACLAssociation(
                    f"Association{index + 1}", ResourceArn=arn, WebACLArn=GetAtt(acl, "Arn")
                )
            )
        if v.alarms is not None:
            self._alarms(v.alarms)
        self.output("WebAclArn", GetAtt(acl, "Arn"))
        self.output("WebAclId", GetAtt(acl, "Id"))
        return t

    def _rules(self) -> list[wafv2.WebACLRule]:
        """Cheap, explicit rules first (they end evaluation early), AWS managed groups last."""
        v = self.vars
        rules: list[tuple[str, dict[str, Any]]] = []
        for block in v.block_containing:
            rules.append((block.name, _action("block", _contains(block))))
        if v.rate_limit is not None:
            rate = wafv2.RateBasedStatement(
                AggregateKeyType="IP",
                Limit=v.rate_limit.limit,
                EvaluationWindowSec=v.rate_limit.window_seconds,
            )
            rules.append(
                (v.rate_limit.name, _action("block", wafv2.Statement(RateBasedStatement=rate)))
            )
        for custom in v.rules:
            rules.append((custom.name, _action(custom.action, build_statement(custom.statement))))
        for group in v.managed_rule_groups:
            rules.append((group.name, _managed(group)))
        return [
            wafv2.WebACLRule(
                Name=name, Priority=priority, VisibilityConfig=_visibility(name), **rule
            )
            for priority, (name, rule) in enumerate(rules)
        ]

    def _logging(self, acl: wafv2.WebACL) -> None:
        v = self.vars
        # WAF only delivers to log groups named aws-waf-logs-*, and wants the group's ARN
        # without the `:*` that GetAtt Arn ends with.
        # https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
        group = log_group(
            self.template,
            "LogGroup",
            name=f"aws-waf-logs-{self.acl_name}",
            retention_days=v.log_retention_days,
            production=self.context.production,
        )
        props: dict[str, Any] = {
            "ResourceArn": GetAtt(acl, "Arn"),
            "LogDestinationConfigs": [
                Sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                    "${LogGroup}",
                    LogGroup=Ref(group),
                )
            ],
        }
        if v.log_redacted_headers:
            props["RedactedFields"] = [
                wafv2.LoggingConfigurationFieldToMatch(SingleHeader=wafv2.SingleHeader(Name=name))
                for name in v.log_redacted_headers
            ]
        self.template.add_resource(wafv2.LoggingConfiguration("LoggingConfiguration", **props))

    def _alarms(self, settings: WafAlarms) -> None:
        # CloudFront web ACLs report without a Region dimension (their metrics live in
        # us-east-1); regional ones need it. https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
        dimensions: dict[str, Any] = {"WebACL": self.acl_name, "Rule": "ALL"}
        if self.vars.scope == "REGIONAL":
            dimensions["Region"] = Ref("AWS::Region")
        self.add_alarms(
            ALARMS,
            settings,
            subject=self.acl_name,
            namespace="AWS/WAFV2",
            dimensions=dimensions,
            period=settings.period_seconds,
        )


def _visibility(name: str) -> wafv2.VisibilityConfig:
    """Metrics and sampled requests on every rule and on the ACL itself."""
    return wafv2.VisibilityConfig(
        CloudWatchMetricsEnabled=True, MetricName=name, SampledRequestsEnabled=True
    )


def _action(action: str, statement: wafv2.Statement) -> dict[str, Any]:
    kinds = {
        "block": ("Block", wafv2.BlockAction),
        "count": ("Count", wafv2.CountAction),
        "allow": ("Allow", wafv2.AllowAction),
        "captcha": ("Captcha", wafv2.CaptchaAction),
        "challenge": ("Challenge", wafv2.ChallengeAction),
    }
    key, cls = kinds[action]
    return {"Action": wafv2.RuleAction(**{key: cls()}), "Statement": statement}


def _managed(group: ManagedRuleGroup) -> dict[str, Any]:
    """A managed group keeps the actions of its own rules (override action None)."""
    props: dict[str, Any] = {"VendorName": "AWS", "Name": group.name}
    if group.version:
        props["Version"] = group.version
    if group.excluded_rules:
        props["RuleActionOverrides"] = [
            wafv2.RuleActionOverride(
                Name=name, ActionToUse=wafv2.RuleAction(Count=wafv2.CountAction())
            )
            for name in group.excluded_rules
        ]
    return {
        "OverrideAction": wafv2.OverrideAction(**{"None": {}}),
        "Statement": wafv2.Statement(
            ManagedRuleGroupStatement=wafv2.ManagedRuleGroupStatement(**props)
        ),
    }


def _contains(block: BlockContaining) -> wafv2.Statement:
    """One ByteMatch per field and value; OR-ed together when there is more than one."""
    transformations = [
        wafv2.TextTransformation(Priority=index, Type=kind)
        for index, kind in enumerate(block.transformations)
    ]
    matches = [
        wafv2.Statement(
            ByteMatchStatement=wafv2.ByteMatchStatement(
                FieldToMatch=build_property(wafv2.FieldToMatch, FIELDS_TO_MATCH[field]),
                PositionalConstraint="CONTAINS",
                SearchString=value,
                TextTransformations=transformations,
            )
        )
        for field in block.fields
        for value in block.values
    ]
    if len(matches) == 1:
        return matches[0]
    return wafv2.Statement(OrStatement=wafv2.OrStatement(Statements=matches))
