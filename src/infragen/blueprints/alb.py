"""An Application Load Balancer, internal or internet-facing, with listeners and target groups
(instance, ip or Lambda targets)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
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
from infragen.blueprints.helpers.invoke import invoke_permission
from infragen.blueprints.helpers.naming import short_name
from infragen.blueprints.helpers.rule_vars import RuleVars
from infragen.blueprints.helpers.security_group import security_group

# The only ports a public load balancer may open to the world.
PUBLIC_PORTS = frozenset({80, 443})
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


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


class Listener(BlueprintVars):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["HTTP", "HTTPS"] = "HTTP"
    certificate_arn: DeployStr | None = None
    target_group: str | None = None  # forward to this target group id
    redirect_to_https: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Listener:
        if (self.protocol == "HTTPS") != (self.certificate_arn is not None):
            raise VarError("certificate_arn goes with protocol HTTPS, and only with it", "protocol")
        if (self.target_group is None) == (not self.redirect_to_https):
            raise VarError("give target_group or redirect_to_https: true", "target_group")
        if self.redirect_to_https and self.protocol != "HTTP":
            raise VarError("only an HTTP listener can redirect to HTTPS", "redirect_to_https")
        return self


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
                    f"0.0.0.0/0 ingress is only for internet-facing load balancers on 80/443, "
                    f"not {where}",
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
            if listener.target_group is not None and listener.target_group not in ids:
                raise VarError(
                    f"target_group {listener.target_group!r} is not one of {ids}",
                    "listeners",
                    index,
                    "target_group",
                )
        return self


class Alb(Blueprint):
    description = "Application Load Balancer: listeners, target groups incl. Lambda targets"
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
        if listener.redirect_to_https:
            action = elb.Action(
                Type="redirect",
                RedirectConfig=elb.RedirectConfig(
                    Protocol="HTTPS", Port="443", StatusCode="HTTP_301"
                ),
            )
        else:
            assert listener.target_group is not None
            action = elb.Action(Type="forward", TargetGroupArn=Ref(groups[listener.target_group]))
        props: dict[str, Any] = {
            "LoadBalancerArn": Ref(lb),
            "Port": listener.port,
            "Protocol": listener.protocol,
            "DefaultActions": [action],
        }
        if listener.protocol == "HTTPS":
            props["Certificates"] = [elb.Certificate(CertificateArn=listener.certificate_arn)]
            props["SslPolicy"] = TLS_POLICY
        resource = t.add_resource(elb.Listener(f"Listener{listener.port}", **props))
        self.output(f"Listener{listener.port}Arn", Ref(resource))


def _logical(group_id: str) -> str:
    """`api-v2` -> `ApiV2`: a target group id as a CamelCase logical id prefix."""
    return "".join(w.capitalize() for w in group_id.split("-"))
