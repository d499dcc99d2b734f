"""An Application Load Balancer, internal or internet-facing, with listeners and target groups
(instance, ip or Lambda targets), and listener rules that route by host, path or HTTP header.

Each listener and rule does one thing: forward to a target group, redirect HTTP to HTTPS, or
answer with a fixed response. Seed 004's origin check is a rule on the HTTPS listener that
forwards only when CloudFront's `X-Origin-Verify` header carries the shared secret, with a
fixed 403 as the listener's default; the secret reaches the template as a Secrets Manager
dynamic reference, never as a value.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Ref, Sub
from troposphere import elasticloadbalancingv2 as elb

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.cdn import DYNAMIC_SECRET_PREFIX, HEADER_NAME_RE, header_is_secret
from infragen.blueprints.helpers.container import SecretRef
from infragen.blueprints.helpers.invoke import invoke_permission
from infragen.blueprints.helpers.naming import short_name
from infragen.blueprints.helpers.rule_vars import RuleVars, internet_in_pieces, internet_message
from infragen.blueprints.helpers.security_group import security_group

# The only ports a public load balancer may open to the world.
PUBLIC_PORTS = frozenset({80, 443})
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Listener rule limits and characters.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
MAX_CONDITION_VALUES = 5  # per rule, over all its conditions
MAX_HEADER_NAME = 40
HOST_RE = re.compile(r"^[A-Za-z0-9.*?-]{1,128}$")
PATH_RE = re.compile(r"^/[A-Za-z0-9_.$/~\"'@:+&*?-]{0,127}$")
FIXED_CONTENT_TYPES = Literal[
    "text/plain", "text/css", "text/html", "application/javascript", "application/json"
]
ACTIONS = ("target_group", "redirect_to_https", "fixed_response")


class TargetGroup(BlueprintVars):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,15}$")
    target_type: Literal["lambda", "ip", "instance"]
    function_arn: DeployStr | None = None  # lambda targets
    port: int | None = Field(default=None, ge=1, le=65535)  # ip / instance targets
    protocol: Literal["HTTP", "HTTPS"] = "HTTP"
    health_check_path: str = "/"
    health_check_enabled: bool | None = None  # default: off for Lambda (each check invokes)

    @model_validator(mode="after")
    def _shape(self) -> TargetGroup:
        if self.target_type == "lambda":
            if self.function_arn is None:
                raise VarError("a lambda target group needs function_arn", "function_arn")
            if self.port is not None:
                raise VarError("lambda target groups take no port", "port")
        else:
            if self.port is None:
                raise VarError(f"{self.target_type} target groups need a port", "port")
            if self.function_arn is not None:
                raise VarError("function_arn is only for lambda targets", "function_arn")
        return self


class FixedResponse(BlueprintVars):
    """An answer from the load balancer itself, e.g. 403 for requests that bypass CloudFront."""

    status_code: int = Field(ge=200, le=599)
    content_type: FIXED_CONTENT_TYPES = "text/plain"
    message_body: str | None = Field(default=None, max_length=1024)

    @field_validator("status_code")
    @classmethod
    def _not_a_redirect(cls, value: int) -> int:
        if 300 <= value < 400:
            raise ValueError("a fixed response is 2XX, 4XX or 5XX; redirect with redirect_to_https")
        return value


class ActionVars(BlueprintVars):
    """What a listener (by default) or one of its rules does: exactly one of these."""

    exactly_one_of = (ACTIONS,)

    target_group: str | None = None  # forward to this target group id
    redirect_to_https: bool = False  # 301 to the same URL on HTTPS 443
    fixed_response: FixedResponse | None = None

    def action(self, groups: dict[str, Any], cls: type = elb.Action) -> Any:
        if self.redirect_to_https:
            return cls(
                Type="redirect",
                RedirectConfig=elb.RedirectConfig(
                    Protocol="HTTPS", Port="443", StatusCode="HTTP_301"
                ),
            )
        if self.fixed_response is not None:
            fixed = self.fixed_response
            config = elb.FixedResponseConfig(
                StatusCode=str(fixed.status_code), ContentType=fixed.content_type
            )
            if fixed.message_body is not None:
                config.MessageBody = fixed.message_body
            return cls(Type="fixed-response", FixedResponseConfig=config)
        assert self.target_group is not None
        return cls(Type="forward", TargetGroupArn=Ref(groups[self.target_group]))


class HeaderCondition(BlueprintVars):
    """Match when the header `name` has one of `values`, or the value of the secret `secret`.

    A header that carries a secret (X-Origin-Verify, and the names the cdn blueprint treats so)
    takes `secret` (the secret's ARN, `!stack_output app/secret::SecretArn`) or `!secret`
    values only: never a literal, never a parameter. ALB treats `*` and `?` in a value as
    wildcards, so generate such a secret without punctuation.
    """

    name: str = Field(max_length=MAX_HEADER_NAME)
    values: list[DeployStr] = Field(default_factory=list, max_length=MAX_CONDITION_VALUES)
    secret: SecretRef | None = None

    @field_validator("secret", mode="before")
    @classmethod
    def _by_arn(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("{{resolve:"):
            raise ValueError(
                "secret takes the secret's ARN (`{arn: !stack_output app/secret::SecretArn}`); "
                "a `!secret` reference goes under values"
            )
        return value

    @model_validator(mode="after")
    def _shape(self) -> HeaderCondition:
        if not HEADER_NAME_RE.match(self.name) or self.name.lower() == "host":
            raise VarError(
                f"{self.name!r} is not a header ALB can match (use host_headers for Host)", "name"
            )
        if bool(self.values) == (self.secret is not None):
            raise VarError("give values or secret", "values")
        if header_is_secret(self.name):
            for index, value in enumerate(self.values):
                if not (isinstance(value, str) and value.startswith(DYNAMIC_SECRET_PREFIX)):
                    raise VarError(
                        f"{self.name} carries a secret: match it with `secret: {{arn: ...}}` or "
                        "`!secret secretsmanager:name[:key]` (a dynamic reference CloudFormation "
                        "resolves), never a value written in config or passed as a parameter",
                        "values",
                        index,
                    )
        return self

    @property
    def value_count(self) -> int:
        return len(self.values) or 1

    def condition(self) -> elb.Condition:
        values = [self.secret.dynamic_reference()] if self.secret else list(self.values)
        return elb.Condition(
            Field="http-header",
            HttpHeaderConfig=elb.HttpHeaderConfig(HttpHeaderName=self.name, Values=values),
        )


class ListenerRuleVars(ActionVars):
    """Route matching requests (all conditions must match; a list matches any of its values)
    before the listener's default action; lower priorities are evaluated first."""

    priority: int = Field(ge=1, le=50000)
    host_headers: list[str] = Field(default_factory=list, max_length=MAX_CONDITION_VALUES)
    path_patterns: list[str] = Field(default_factory=list, max_length=MAX_CONDITION_VALUES)
    http_headers: list[HeaderCondition] = Field(
        default_factory=list, max_length=MAX_CONDITION_VALUES
    )

    @model_validator(mode="after")
    def _shape(self) -> ListenerRuleVars:
        for key, pattern in (("host_headers", HOST_RE), ("path_patterns", PATH_RE)):
            for index, value in enumerate(getattr(self, key)):
                if not pattern.match(value):
                    raise VarError(f"{value!r} is not a {key[:-1].replace('_', ' ')}", key, index)
        count = (
            len(self.host_headers)
            + len(self.path_patterns)
            + sum(h.value_count for h in self.http_headers)
        )
        if count == 0:
            raise VarError(
                "a rule needs a condition: host_headers, path_patterns or http_headers",
                "host_headers",
            )
        if count > MAX_CONDITION_VALUES:
            raise VarError(
                f"{count} condition values; ALB allows {MAX_CONDITION_VALUES} per rule",
                "host_headers",
            )
        return self

    def conditions(self) -> list[elb.Condition]:
        found = []
        if self.host_headers:
            found.append(
                elb.Condition(
                    Field="host-header",
                    HostHeaderConfig=elb.HostHeaderConfig(Values=list(self.host_headers)),
                )
            )
        if self.path_patterns:
            found.append(
                elb.Condition(
                    Field="path-pattern",
                    PathPatternConfig=elb.PathPatternConfig(Values=list(self.path_patterns)),
                )
            )
        found.extend(h.condition() for h in self.http_headers)
        return found


class Listener(ActionVars):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["HTTP", "HTTPS"] = "HTTP"
    certificate_arn: DeployStr | None = None
    rules: list[ListenerRuleVars] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Listener:
        if (self.protocol == "HTTPS") != (self.certificate_arn is not None):
            raise VarError("certificate_arn goes with protocol HTTPS, and only with it", "protocol")
        for where, item in self.actions():
            if item.redirect_to_https and self.protocol != "HTTP":
                raise VarError(
                    "only an HTTP listener can redirect to HTTPS", *where, "redirect_to_https"
                )
        priorities = [rule.priority for rule in self.rules]
        for index, priority in enumerate(priorities):
            if priority in priorities[:index]:
                raise VarError(f"priority {priority} is used twice", "rules", index, "priority")
        return self

    def actions(self) -> list[tuple[tuple[str | int, ...], ActionVars]]:
        """(path below the listener, action) of the default action and each rule."""
        return [((), self), *((("rules", i), rule) for i, rule in enumerate(self.rules))]


class AlbVars(BlueprintVars):
    scheme: Literal["internal", "internet-facing"] = "internal"
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    ingress: list[RuleVars] = Field(min_length=1)
    egress: list[RuleVars] = Field(default_factory=list)  # to targets; none for Lambda
    listeners: list[Listener] = Field(min_length=1)
    target_groups: list[TargetGroup] = Field(default_factory=list)
    idle_timeout_seconds: int = Field(default=60, ge=1, le=4000)
    deletion_protection: bool | None = None  # default: on in production

    @model_validator(mode="after")
    def _consistent(self) -> AlbVars:
        for index, rule in enumerate(self.ingress):
            if rule.open_to_world and (self.scheme == "internal" or rule.port not in PUBLIC_PORTS):
                where = (
                    "an internal load balancer"
                    if self.scheme == "internal"
                    else (f"port {rule.port}")
                )
                raise VarError(
                    f"{rule.cidr} ingress is only for internet-facing load balancers on 80/443, "
                    f"not {where}",
                    "ingress",
                    index,
                    "cidr",
                )
        # Only an internet-facing balancer's 80/443 may be public; the other rules must not
        # be the internet together either (`0.0.0.0/1` + `128.0.0.0/1`).
        private = [
            (i, r)
            for i, r in enumerate(self.ingress)
            if self.scheme == "internal" or r.port not in PUBLIC_PORTS
        ]
        found = internet_in_pieces([r for _, r in private])
        if found is not None:
            index, rule = private[found[0]]
            raise VarError(
                f"{internet_message(str(rule.cidr), found[1])}: only internet-facing load "
                "balancers take it, on 80/443",
                "ingress",
                index,
                "cidr",
            )
        ids = [g.id for g in self.target_groups]
        if len(set(ids)) != len(ids):
            raise VarError("target group ids must be unique", "target_groups")
        ports = [listener.port for listener in self.listeners]
        if len(set(ports)) != len(ports):
            raise VarError("two listeners on the same port", "listeners")
        for index, listener in enumerate(self.listeners):
            for where, item in listener.actions():
                if item.target_group is not None and item.target_group not in ids:
                    raise VarError(
                        f"target_group {item.target_group!r} is not one of {ids}",
                        "listeners",
                        index,
                        *where,
                        "target_group",
                    )
                if self.plain_on_public_port(listener) and not item.redirect_to_https:
                    # What infragen's E9102 asks: the world reaches 80/443, so plain HTTP there
                    # only sends clients to HTTPS.
                    raise VarError(
                        f"an internet-facing HTTP listener on port {listener.port} may only "
                        "redirect to HTTPS; serve plain HTTP on a port the ingress keeps "
                        "internal (not 80/443)",
                        "listeners",
                        index,
                        *where,
                    )
        return self

    def plain_on_public_port(self, listener: Listener) -> bool:
        return (
            self.scheme == "internet-facing"
            and listener.protocol == "HTTP"
            and listener.port in PUBLIC_PORTS
        )


class Alb(Blueprint):
    description = (
        "Application Load Balancer: listeners with host/path/header rules, fixed responses and "
        "redirects; target groups incl. Lambda targets"
    )
    Vars = AlbVars
    outputs = {
        "LoadBalancerArn": "ARN of the load balancer",
        "DnsName": "DNS name of the load balancer",
        "CanonicalHostedZoneId": "Route 53 zone of the load balancer's DNS name (for aliases)",
        "SecurityGroupId": "The load balancer's security group",
        "Listener{}Arn": OutputSpec(
            "Listener on {}", each=lambda v: [listener.port for listener in v.listeners]
        ),
        # ip/instance targets are registered by whoever runs them (an ECS service); Lambda
        # targets are registered here, so their groups need no output.
        "{}TargetGroupArn": OutputSpec(
            "Target group {} (ip/instance targets, registered by another stack)",
            each=lambda v: [_logical(g.id) for g in v.target_groups if g.target_type != "lambda"],
        ),
    }
    vars: AlbVars

    def build(self):
        v = self.vars
        t = self.template
        production = self.context.production
        t.set_description(f"{self.context.stack_id}: {v.scheme} ALB")
        sg = security_group(
            t,
            "SecurityGroup",
            description=f"{self.context.stack_id} {v.scheme} load balancer",
            vpc_id=v.vpc_id,
            ingress=[r.rule() for r in v.ingress],
            egress=[r.rule() for r in v.egress],
        )
        if any(rule.open_to_world and rule.port == 80 for rule in v.ingress):
            # Only an internet-facing balancer gets here (validated above), and infragen's
            # E9102 lets its HTTP listeners do nothing but redirect to HTTPS.
            sg.Metadata = {
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_260",
                            "comment": "public ALB: port 80 only redirects to HTTPS (E9102)",
                        }
                    ]
                }
            }
        protection = v.deletion_protection if v.deletion_protection is not None else production
        lb = t.add_resource(
            elb.LoadBalancer(
                "LoadBalancer",
                Type="application",
                Scheme=v.scheme,
                Subnets=v.subnet_ids,
                SecurityGroups=[GetAtt(sg, "GroupId")],
                LoadBalancerAttributes=[
                    elb.LoadBalancerAttributes(
                        Key="idle_timeout.timeout_seconds", Value=str(v.idle_timeout_seconds)
                    ),
                    elb.LoadBalancerAttributes(
                        Key="routing.http.drop_invalid_header_fields.enabled", Value="true"
                    ),
                    elb.LoadBalancerAttributes(
                        Key="deletion_protection.enabled", Value=str(protection).lower()
                    ),
                ],
            )
        )
        groups = {g.id: self._target_group(g) for g in v.target_groups}
        for listener in v.listeners:
            self._listener(listener, lb, groups)
        self.output("LoadBalancerArn", Ref(lb))
        self.output("DnsName", GetAtt(lb, "DNSName"))
        self.output("CanonicalHostedZoneId", GetAtt(lb, "CanonicalHostedZoneID"))
        self.output("SecurityGroupId", GetAtt(sg, "GroupId"))
        return t

    def _target_group(self, group: TargetGroup) -> elb.TargetGroup:
        t = self.template
        logical = _logical(group.id) + "TargetGroup"
        # Target group names allow 32 characters; the name must be known before the group
        # exists so the Lambda permission can name it (the group needs the permission first).
        name = short_name(self.context.name(group.id), 32)
        props: dict[str, Any] = {"Name": name, "TargetType": group.target_type}
        enabled = group.health_check_enabled
        if group.target_type == "lambda":
            permission = invoke_permission(
                t,
                f"{logical}InvokePermission",
                function=group.function_arn,
                principal="elasticloadbalancing.amazonaws.com",
                source_arn=Sub(
                    "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:"
                    f"${{AWS::AccountId}}:targetgroup/{name}/*"
                ),
            )
            props["Targets"] = [elb.TargetDescription(Id=group.function_arn)]
            props["HealthCheckEnabled"] = bool(enabled)
            props["DependsOn"] = [permission.title]
            if enabled:
                props["HealthCheckPath"] = group.health_check_path
        else:
            props.update(
                VpcId=self.vars.vpc_id,
                Port=group.port,
                Protocol=group.protocol,
                HealthCheckEnabled=True if enabled is None else enabled,
                HealthCheckPath=group.health_check_path,
            )
        resource = t.add_resource(elb.TargetGroup(logical, **props))
        if group.target_type != "lambda":
            self.output(f"{logical}Arn", Ref(resource))
        return resource

    def _listener(self, listener: Listener, lb: Any, groups: dict[str, Any]) -> None:
        t = self.template
        props: dict[str, Any] = {
            "LoadBalancerArn": Ref(lb),
            "Port": listener.port,
            "Protocol": listener.protocol,
            "DefaultActions": [listener.action(groups)],
        }
        if listener.protocol == "HTTPS":
            props["Certificates"] = [elb.Certificate(CertificateArn=listener.certificate_arn)]
            props["SslPolicy"] = TLS_POLICY
        resource = t.add_resource(elb.Listener(f"Listener{listener.port}", **props))
        if self._internal_plain_http(listener):
            # Plain HTTP that does more than redirect, on an internet-facing balancer: allowed
            # only off 80/443 (validated), where the security group admits no 0.0.0.0/0
            # (validated, and E9101), so only the listed internal peers reach it. E9102 judges
            # listeners without reading the group, hence the scoped opt-out.
            resource.Metadata = {"cfn-lint": {"config": {"ignore_checks": ["E9102"]}}}
        for rule in listener.rules:
            t.add_resource(
                elb.ListenerRule(
                    f"Listener{listener.port}Rule{rule.priority}",
                    ListenerArn=Ref(resource),
                    Priority=rule.priority,
                    Conditions=rule.conditions(),
                    Actions=[rule.action(groups, elb.ListenerRuleAction)],
                )
            )
        self.output(f"Listener{listener.port}Arn", Ref(resource))

    def _internal_plain_http(self, listener: Listener) -> bool:
        v = self.vars
        return (
            v.scheme == "internet-facing"
            and listener.protocol == "HTTP"
            and not listener.redirect_to_https
            and not v.plain_on_public_port(listener)
        )


def _logical(group_id: str) -> str:
    """`api-v2` -> `ApiV2`: a target group id as a CamelCase logical id prefix."""
    return "".join(w.capitalize() for w in group_id.split("-"))
