"""VPC with public / private-app / private-data tiers, NAT, endpoints and flow logs."""

from __future__ import annotations

import ipaddress
from typing import Literal

from awacs import logs as awslogs
from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, GetAZs, Join, Ref, Select, Sub, ec2

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    VarError,
    VarErrors,
)
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.log_group import RetentionDays, log_group
from infragen.blueprints.helpers.role import allow, service_role
from infragen.blueprints.helpers.rule_vars import RuleVars
from infragen.blueprints.helpers.security_group import Rule, security_group

TIERS = ("public", "private_app", "private_data")
TIER_IDS = {"public": "Public", "private_app": "PrivateApp", "private_data": "PrivateData"}
GATEWAY_SERVICES = ("s3", "dynamodb")


class Subnets(BlueprintVars):
    """CIDRs per tier; the n-th subnet of a tier goes to the n-th AZ (round robin)."""

    public: list[ipaddress.IPv4Network] = Field(default_factory=list)
    private_app: list[ipaddress.IPv4Network] = Field(default_factory=list)
    private_data: list[ipaddress.IPv4Network] = Field(default_factory=list)


class FlowLogs(BlueprintVars):
    enabled: bool = True
    retention_days: RetentionDays = 30
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"


class NatAlarms(BlueprintVars):
    """Per NAT gateway: bytes sent to the internet (`BytesOutToDestination`), the NAT egress
    bill, above `bytes_out_gb` in a period (seed 001 §7/§10: NAT egress spikes)."""

    bytes_out_gb: int | float | None = Field(default=None, gt=0)
    period_seconds: int = Field(default=3600, ge=60)
    evaluation_periods: int = Field(default=1, ge=1)
    actions: list[DeployStr] = Field(default_factory=list)


class EndpointGroup(BlueprintVars):
    """Rules of the interface endpoints' security group.

    `vpc_ingress: false` leaves ingress to the consumer stacks, which add 443 from their own
    groups (e.g. lambda-function's `grant_ingress`), as seed 003's table has it.
    """

    vpc_ingress: bool = True  # 443 from the VPC CIDR
    egress: list[RuleVars] = Field(default_factory=list)  # none: endpoints never connect out


class NetworkVars(BlueprintVars):
    cidr: ipaddress.IPv4Network
    az_count: int = Field(default=2, ge=1, le=6)
    # Pin AZ names (e.g. us-east-1a); default: the region's first az_count AZs (!GetAZs).
    availability_zones: list[str] = Field(default_factory=list)
    subnets: Subnets
    nat: Literal["per_az", "single", "none"] = "single"
    gateway_endpoints: list[Literal["s3", "dynamodb"]] = Field(default_factory=list)
    interface_endpoints: list[str] = Field(default_factory=list)
    interface_endpoint_tier: Literal["private_app", "private_data"] = "private_app"
    endpoint_security_group: EndpointGroup = Field(default_factory=EndpointGroup)
    flow_logs: FlowLogs = Field(default_factory=FlowLogs)
    nat_alarms: NatAlarms | None = None
    # Output each NAT gateway's public IP as a /32 (`NatGateway<n>PublicCidr`): traffic from
    # this VPC to an internet-facing load balancer leaves through the NAT, so the balancer's
    # security group sees these addresses, not the callers' groups (seed 004: Kong -> ALB).
    nat_public_ip_outputs: bool = False

    @field_validator("cidr")
    @classmethod
    def _vpc_size(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not 16 <= cidr.prefixlen <= 28:
            raise ValueError(f"VPC CIDR {cidr} must be between /16 and /28 (AWS limit)")
        return cidr

    @field_validator("interface_endpoints")
    @classmethod
    def _endpoint_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if name in GATEWAY_SERVICES:
                raise ValueError(f"{name} is a gateway endpoint: list it under gateway_endpoints")
            if not name.replace(".", "").replace("-", "").isalnum():
                raise ValueError(f"{name!r} is not a service name such as 'ecr.api' or 'logs'")
        if len(set(names)) != len(names):
            raise ValueError("interface_endpoints lists a service twice")
        return names

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkVars:
        if self.availability_zones and len(self.availability_zones) != self.az_count:
            raise VarError(
                f"availability_zones names {len(self.availability_zones)} AZs but az_count is "
                f"{self.az_count}",
                "availability_zones",
            )
        problems = self._subnet_problems()
        if problems:
            raise VarErrors(problems)
        if self.nat != "none" and not self.subnets.public:
            raise VarError(f"nat: {self.nat} needs at least one public subnet", "nat")
        if self.nat_alarms is not None and self.nat == "none":
            raise VarError("nat_alarms watch NAT gateways; nat is none", "nat_alarms")
        if self.nat_public_ip_outputs and self.nat == "none":
            raise VarError(
                "nat_public_ip_outputs needs NAT gateways; nat is none", "nat_public_ip_outputs"
            )
        if not self.interface_endpoints and self.endpoint_security_group != EndpointGroup():
            raise VarError(
                "endpoint_security_group needs interface_endpoints", "endpoint_security_group"
            )
        if self.interface_endpoints and not self._endpoint_subnets():
            raise VarError(
                f"interface endpoints need subnets in {self.interface_endpoint_tier}",
                "interface_endpoints",
            )
        return self

    def _subnet_problems(self) -> list[VarError]:
        """Every subnet that is mis-sized, outside the VPC or overlaps another: all of them,
        so one run reports every one."""
        problems: list[VarError] = []
        seen: list[tuple[str, ipaddress.IPv4Network]] = []
        for tier in TIERS:
            for index, net in enumerate(getattr(self.subnets, tier)):
                where = ("subnets", tier, index)
                if not 16 <= net.prefixlen <= 28:
                    problems.append(
                        VarError(f"subnet {net} must be between /16 and /28 (AWS limit)", *where)
                    )
                if not net.subnet_of(self.cidr):
                    problems.append(
                        VarError(f"subnet {net} is outside the VPC CIDR {self.cidr}", *where)
                    )
                problems += [
                    VarError(f"subnet {net} overlaps {other} ({other_tier})", *where)
                    for other_tier, other in seen
                    if net.overlaps(other)
                ]
                seen.append((tier, net))
        return problems

    def _endpoint_subnets(self) -> list[ipaddress.IPv4Network]:
        return getattr(self.subnets, self.interface_endpoint_tier) or self.subnets.private_app

    @property
    def nat_count(self) -> int:
        """NAT gateways built: none, one, or one per AZ that has a public subnet."""
        per_az = min(self.az_count, len(self.subnets.public))
        return {"none": 0, "single": 1, "per_az": per_az}[self.nat]


class Network(Blueprint):
    """One VPC per app: tiered subnets across AZs, NAT layout, endpoints, flow logs."""

    description = "VPC, subnets per tier, IGW, NAT gateways, route tables, endpoints, flow logs"
    Vars = NetworkVars
    outputs = {
        "VpcId": "The VPC id",
        "VpcCidr": "The VPC's IPv4 CIDR block",
        **{
            f"{TIER_IDS[tier]}SubnetIds": OutputSpec(
                f"{label} subnet ids, comma-joined, in AZ order",
                when=lambda v, tier=tier: bool(getattr(v.subnets, tier)),
            )
            for tier, label in zip(TIERS, ("Public", "Private app", "Private data"), strict=True)
        },
        "EndpointSecurityGroupId": OutputSpec(
            "Security group of the interface endpoints",
            when=lambda v: bool(v.interface_endpoints),
        ),
        "NatGateway{}PublicCidr": OutputSpec(
            "Public IP of NAT gateway {} as a /32 (this VPC's traffic to public endpoints)",
            each=lambda v: range(1, v.nat_count + 1) if v.nat_public_ip_outputs else [],
        ),
    }
    vars: NetworkVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(f"{self.context.stack_id}: VPC {v.cidr} across {v.az_count} AZs")
        vpc = t.add_resource(
            ec2.VPC(
                "Vpc",
                CidrBlock=str(v.cidr),
                EnableDnsHostnames=True,
                EnableDnsSupport=True,
            )
        )
        subnets = {tier: self._subnets(tier, vpc) for tier in TIERS}
        nats = self._internet(vpc, subnets["public"])
        route_tables = self._private_routes(vpc, subnets, nats)
        self._gateway_endpoints(vpc, route_tables)
        endpoint_sg = self._interface_endpoints(vpc, subnets)
        if v.flow_logs.enabled:
            self._flow_logs(vpc)
        if v.nat_alarms is not None:
            self._nat_alarms(nats, v.nat_alarms)
        self._outputs(vpc, subnets, endpoint_sg)
        return t

    def _az(self, index: int) -> Select | str:
        slot = index % self.vars.az_count
        if self.vars.availability_zones:
            return self.vars.availability_zones[slot]
        return Select(slot, GetAZs(""))

    def _subnets(self, tier: str, vpc: ec2.VPC) -> list[ec2.Subnet]:
        created = []
        for index, cidr in enumerate(getattr(self.vars.subnets, tier)):
            subnet = ec2.Subnet(
                f"{TIER_IDS[tier]}Subnet{index + 1}",
                VpcId=Ref(vpc),
                CidrBlock=str(cidr),
                AvailabilityZone=self._az(index),
                MapPublicIpOnLaunch=False,
            )
            if self.vars.availability_zones:
                # The config pins AZ names on purpose; cfn-lint's W3010 warns on any literal AZ.
                subnet.Metadata = {"cfn-lint": {"config": {"ignore_checks": ["W3010"]}}}
            created.append(self.template.add_resource(subnet))
        return created

    def _internet(self, vpc: ec2.VPC, public: list[ec2.Subnet]) -> list[ec2.NatGateway]:
        """IGW and public routes when there are public subnets; NAT gateways per `nat`."""
        t = self.template
        if not public:
            return []
        igw = t.add_resource(ec2.InternetGateway("InternetGateway"))
        attach = t.add_resource(
            ec2.VPCGatewayAttachment(
                "InternetGatewayAttachment", VpcId=Ref(vpc), InternetGatewayId=Ref(igw)
            )
        )
        table = t.add_resource(ec2.RouteTable("PublicRouteTable", VpcId=Ref(vpc)))
        t.add_resource(
            ec2.Route(
                "PublicDefaultRoute",
                DependsOn=attach.title,
                RouteTableId=Ref(table),
                DestinationCidrBlock="0.0.0.0/0",
                GatewayId=Ref(igw),
            )
        )
        for index, subnet in enumerate(public):
            t.add_resource(
                ec2.SubnetRouteTableAssociation(
                    f"PublicSubnet{index + 1}RouteTableAssociation",
                    SubnetId=Ref(subnet),
                    RouteTableId=Ref(table),
                )
            )
        nats = []
        for index in range(self.vars.nat_count):
            eip = t.add_resource(
                ec2.EIP(f"NatEip{index + 1}", Domain="vpc", DependsOn=attach.title)
            )
            nats.append(
                t.add_resource(
                    ec2.NatGateway(
                        f"NatGateway{index + 1}",
                        AllocationId=GetAtt(eip, "AllocationId"),
                        SubnetId=Ref(public[index]),
                    )
                )
            )
            if self.vars.nat_public_ip_outputs:
                self.output(
                    f"NatGateway{index + 1}PublicCidr", Join("", [GetAtt(eip, "PublicIp"), "/32"])
                )
        return nats

    def _private_routes(
        self,
        vpc: ec2.VPC,
        subnets: dict[str, list[ec2.Subnet]],
        nats: list[ec2.NatGateway],
    ) -> list[ec2.RouteTable]:
        """App subnets egress through the NAT of their AZ; data subnets never route out."""
        t = self.template
        tables: list[ec2.RouteTable] = []
        app_tables: dict[int, ec2.RouteTable] = {}
        for index, subnet in enumerate(subnets["private_app"]):
            slot = index % self.vars.az_count % max(len(nats), 1)
            if slot not in app_tables:
                table = t.add_resource(
                    ec2.RouteTable(f"PrivateAppRouteTable{slot + 1}", VpcId=Ref(vpc))
                )
                if nats:
                    t.add_resource(
                        ec2.Route(
                            f"PrivateAppDefaultRoute{slot + 1}",
                            RouteTableId=Ref(table),
                            DestinationCidrBlock="0.0.0.0/0",
                            NatGatewayId=Ref(nats[slot]),
                        )
                    )
                app_tables[slot] = table
                tables.append(table)
            t.add_resource(
                ec2.SubnetRouteTableAssociation(
                    f"PrivateAppSubnet{index + 1}RouteTableAssociation",
                    SubnetId=Ref(subnet),
                    RouteTableId=Ref(app_tables[slot]),
                )
            )
        if subnets["private_data"]:
            data_table = t.add_resource(ec2.RouteTable("PrivateDataRouteTable", VpcId=Ref(vpc)))
            tables.append(data_table)
            for index, subnet in enumerate(subnets["private_data"]):
                t.add_resource(
                    ec2.SubnetRouteTableAssociation(
                        f"PrivateDataSubnet{index + 1}RouteTableAssociation",
                        SubnetId=Ref(subnet),
                        RouteTableId=Ref(data_table),
                    )
                )
        return tables

    def _gateway_endpoints(self, vpc: ec2.VPC, route_tables: list[ec2.RouteTable]) -> None:
        for service in self.vars.gateway_endpoints:
            self.template.add_resource(
                ec2.VPCEndpoint(
                    f"{service.capitalize()}GatewayEndpoint",
                    VpcId=Ref(vpc),
                    ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                    VpcEndpointType="Gateway",
                    RouteTableIds=[Ref(table) for table in route_tables],
                )
            )

    def _interface_endpoints(
        self, vpc: ec2.VPC, subnets: dict[str, list[ec2.Subnet]]
    ) -> ec2.SecurityGroup | None:
        v = self.vars
        if not v.interface_endpoints:
            return None
        rules = v.endpoint_security_group
        group = security_group(
            self.template,
            "EndpointSecurityGroup",
            description=f"{self.context.stack_id} interface endpoints: HTTPS from "
            + ("the VPC" if rules.vpc_ingress else "the groups consumer stacks allow"),
            vpc_id=Ref(vpc),
            ingress=[Rule(443, "HTTPS from inside the VPC", cidr=str(v.cidr))]
            if rules.vpc_ingress
            else [],
            egress=[rule.rule() for rule in rules.egress],
        )
        tier_subnets = subnets[v.interface_endpoint_tier] or subnets["private_app"]
        # One endpoint ENI per AZ is enough: more subnets in the same AZ would be refused.
        per_az = tier_subnets[: v.az_count]
        for service in v.interface_endpoints:
            self.template.add_resource(
                ec2.VPCEndpoint(
                    _endpoint_id(service),
                    VpcId=Ref(vpc),
                    ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                    VpcEndpointType="Interface",
                    PrivateDnsEnabled=True,
                    SubnetIds=[Ref(s) for s in per_az],
                    SecurityGroupIds=[Ref(group)],
                )
            )
        return group

    def _nat_alarms(self, nats: list[ec2.NatGateway], settings: NatAlarms) -> None:
        for index, nat in enumerate(nats):
            spec = AlarmSpec(
                f"{nat.title}EgressAlarm",
                metric="BytesOutToDestination",
                statistic="Sum",
                threshold_var="bytes_out_gb",
                evaluation_periods_var="evaluation_periods",
                description="{subject}: NAT gateway {nat} sent over {threshold:g} GB to the "
                "internet in {minutes} minutes",
                scale=1024**3,
            )
            self.add_alarms(
                [spec],
                settings,
                namespace="AWS/NATGateway",
                dimensions={"NatGatewayId": Ref(nat)},
                period=settings.period_seconds,
                nat=index + 1,
            )

    def _flow_logs(self, vpc: ec2.VPC) -> None:
        t = self.template
        settings = self.vars.flow_logs
        group = log_group(
            t,
            "FlowLogGroup",
            retention_days=settings.retention_days,
            production=self.context.production,
        )
        role = service_role(
            t,
            "FlowLogRole",
            services=["vpc-flow-logs.amazonaws.com"],
            statements=[
                allow(
                    [
                        awslogs.CreateLogStream,
                        awslogs.PutLogEvents,
                        awslogs.DescribeLogGroups,
                        awslogs.DescribeLogStreams,
                    ],
                    [GetAtt(group, "Arn")],
                )
            ],
            description="Lets VPC flow logs write to their own log group",
        )
        t.add_resource(
            ec2.FlowLog(
                "FlowLog",
                ResourceId=Ref(vpc),
                ResourceType="VPC",
                TrafficType=settings.traffic_type,
                LogDestinationType="cloud-watch-logs",
                LogGroupName=Ref(group),
                DeliverLogsPermissionArn=GetAtt(role, "Arn"),
            )
        )

    def _outputs(
        self,
        vpc: ec2.VPC,
        subnets: dict[str, list[ec2.Subnet]],
        endpoint_sg: ec2.SecurityGroup | None,
    ) -> None:
        self.output("VpcId", Ref(vpc))
        self.output("VpcCidr", GetAtt(vpc, "CidrBlock"))
        for tier in TIERS:
            if subnets[tier]:
                self.output(
                    f"{TIER_IDS[tier]}SubnetIds", Join(",", [Ref(s) for s in subnets[tier]])
                )
        if endpoint_sg is not None:
            self.output("EndpointSecurityGroupId", Ref(endpoint_sg))


def _endpoint_id(service: str) -> str:
    words = service.replace("-", ".").split(".")
    return "".join(w.capitalize() for w in words) + "Endpoint"
