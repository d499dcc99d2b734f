"""One function per priced resource type: a resource, its template and its stack's usage in,
its line item out. A type with no pricer and not in the table's free list is not estimated.

Quantities a stack's usage gives (requests, GB) are shared evenly by the resources of the
type that consumes them in that stack, so two NAT gateways split `nat_gb`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infragen.cfn_template import DeployTimeValue, Template
from infragen.cost.model import LineItem
from infragen.cost.prices import PriceTable
from infragen.cost.usage import Usage


class NotPriced(Exception):
    """This resource cannot be priced from the table; the message says why."""


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    props: dict[str, Any]
    template: Template
    usage: Usage
    prices: PriceTable

    @property
    def p(self) -> dict[str, float]:
        return self.prices.unit

    @property
    def month(self) -> float:
        return self.prices.hours_per_month

    def share(self) -> int:
        """How many resources of this type in the stack split the stack's usage quantities."""
        return max(1, len(self.template.of_type(self.type)))

    def get(self, key: str, default: Any = None) -> Any:
        return self.template.literal(self.props.get(key, default), f"{self.logical_id}.{key}")

    def item(self, category: str, what: str, monthly: float) -> LineItem:
        return LineItem(self.logical_id, self.type, category, what, round(monthly, 4))


Pricer = Callable[[Resource], LineItem]


def _nat(r: Resource) -> LineItem:
    gb = r.usage.nat_gb / r.share()
    cost = r.month * r.p["nat_gateway_hour"] + gb * r.p["nat_gateway_gb"]
    return r.item("nat", f"NAT gateway {r.month:g} h + {gb:g} GB processed", cost)


def _eip(r: Resource) -> LineItem:
    return r.item("public-ipv4", "public IPv4 address", r.month * r.p["public_ipv4_hour"])


def _endpoint(r: Resource) -> LineItem:
    kind = r.get("VpcEndpointType", "Gateway")
    if kind == "Gateway":
        return r.item("endpoint", "gateway endpoint (no charge)", 0.0)
    azs = len(r.props.get("SubnetIds") or [])
    if not azs:
        raise NotPriced("interface endpoint without SubnetIds: AZ count unknown")
    interface = [
        lid
        for lid in r.template.of_type(r.type)
        if r.template.resources[lid].get("Properties", {}).get("VpcEndpointType") != "Gateway"
    ]
    gb = r.usage.endpoint_gb / max(1, len(interface))
    cost = azs * r.month * r.p["interface_endpoint_az_hour"] + gb * r.p["interface_endpoint_gb"]
    return r.item("endpoint", f"interface endpoint {azs} AZ x {r.month:g} h + {gb:g} GB", cost)


def _load_balancer(r: Resource) -> LineItem:
    kind = r.get("Type", "application")
    prefix = {"application": "alb", "network": "nlb"}.get(kind)
    if prefix is None:
        raise NotPriced(f"{kind} load balancers are not in the price table")
    lcu = r.usage.lcu / r.share()
    cost = r.month * (r.p[f"{prefix}_hour"] + lcu * r.p[f"{prefix}_lcu_hour"])
    return r.item("load-balancer", f"{kind} LB {r.month:g} h + {lcu:g} LCU average", cost)


def _http_api(r: Resource) -> LineItem:
    protocol = r.get("ProtocolType", "HTTP")
    if protocol != "HTTP":
        raise NotPriced(f"{protocol} APIs are not in the price table")
    millions = r.usage.requests_millions / r.share()
    cost = millions * r.p["http_api_million"]
    return r.item("api", f"HTTP API {millions:g} M requests", cost)


def _rest_api(r: Resource) -> LineItem:
    millions = r.usage.requests_millions / r.share()
    return r.item("api", f"REST API {millions:g} M requests", millions * r.p["rest_api_million"])


def _lambda(r: Resource) -> LineItem:
    memory_mb = float(r.get("MemorySize", 128))
    arch = "arm" if "arm64" in (r.get("Architectures") or []) else "x86"
    millions = r.usage.requests_millions / r.share()
    gb_seconds = millions * 1e6 * r.usage.lambda_duration_ms / 1000 * memory_mb / 1024
    cost = gb_seconds * r.p[f"lambda_gb_second_{arch}"] + millions * r.p["lambda_million_requests"]
    what = f"Lambda {memory_mb:g} MB {arch}, {millions:g} M x {r.usage.lambda_duration_ms:g} ms"
    return r.item("lambda", what, cost)


def _fargate(r: Resource) -> LineItem:
    strategy = r.props.get("CapacityProviderStrategy") or []
    providers = {entry.get("CapacityProvider") for entry in strategy}
    if r.get("LaunchType", "FARGATE" if providers <= {"FARGATE", "FARGATE_SPOT"} else "EC2") != (
        "FARGATE"
    ):
        raise NotPriced("ECS on EC2 capacity: priced by its instances, not the service")
    task = r.template.referenced(r.props.get("TaskDefinition"))
    if task is None:
        raise NotPriced("task definition is not in this template: CPU and memory unknown")
    task_props = task.get("Properties", {})
    vcpu = float(r.template.literal(task_props.get("Cpu"), "task Cpu")) / 1024
    memory_gb = float(r.template.literal(task_props.get("Memory"), "task Memory")) / 1024
    platform = task_props.get("RuntimePlatform") or {}
    arch = "arm" if platform.get("CpuArchitecture") == "ARM64" else "x86"
    tasks = int(r.get("DesiredCount", 1))
    hours = r.usage.hours
    per_hour = vcpu * r.p[f"fargate_vcpu_hour_{arch}"] + memory_gb * r.p[f"fargate_gb_hour_{arch}"]
    what = f"Fargate {tasks} x {vcpu:g} vCPU/{memory_gb:g} GB {arch} x {hours:g} h"
    return r.item("fargate", what, tasks * hours * per_hour)


def _quantity(text: Any, unit_size: float) -> float:
    """App Runner sizes: `1 vCPU`, `2 GB`, or plain units (1024 = 1 vCPU / 1 GB)."""
    number = float(re.match(r"[\d.]+", str(text)).group())  # type: ignore[union-attr]
    return number if re.search(r"[a-zA-Z]", str(text)) else number / unit_size


def _app_runner(r: Resource) -> LineItem:
    config = r.props.get("InstanceConfiguration") or {}
    vcpu = _quantity(r.template.literal(config.get("Cpu", "1 vCPU"), "Cpu"), 1024)
    memory_gb = _quantity(r.template.literal(config.get("Memory", "2 GB"), "Memory"), 1024)
    scaling = r.template.referenced(r.props.get("AutoScalingConfigurationArn")) or {}
    instances = int(scaling.get("Properties", {}).get("MinSize", 1))
    active = min(r.usage.active_hours, r.month)
    idle_memory = memory_gb * r.p["app_runner_gb_hour"] * (r.month - active)
    busy = (vcpu * r.p["app_runner_vcpu_hour"] + memory_gb * r.p["app_runner_gb_hour"]) * active
    what = f"App Runner {instances} x {vcpu:g} vCPU/{memory_gb:g} GB, {active:g} h active"
    return r.item("app-runner", what, instances * (idle_memory + busy))


def _ec2(r: Resource) -> LineItem:
    kind = r.props.get("InstanceType")
    if kind is None:
        launch = r.template.referenced(
            (r.props.get("LaunchTemplate") or {}).get("LaunchTemplateId")
        )
        data = (launch or {}).get("Properties", {}).get("LaunchTemplateData", {})
        kind = data.get("InstanceType")
    kind = r.template.literal(kind, f"{r.logical_id}.InstanceType")
    if kind not in r.prices.ec2_instance_hour:
        raise NotPriced(f"instance type {kind} is not in the price table")
    hours = r.usage.hours
    cost = hours * r.prices.ec2_instance_hour[kind]
    return r.item("ec2", f"EC2 {kind} x {hours:g} h (EBS volumes not included)", cost)


def _rds(r: Resource) -> LineItem:
    engine = str(r.get("Engine", ""))
    if engine.startswith("aurora"):
        raise NotPriced("Aurora instances are not in the price table")
    kind = r.get("DBInstanceClass")
    if kind not in r.prices.rds_instance_hour:
        raise NotPriced(f"instance class {kind} is not in the price table")
    copies = 2 if r.get("MultiAZ", False) in (True, "true") else 1
    storage = float(r.get("AllocatedStorage", 20))
    cost = copies * (
        r.month * r.prices.rds_instance_hour[kind] + storage * r.p["rds_gp_storage_gb_month"]
    )
    what = f"RDS {kind}{' Multi-AZ' if copies == 2 else ''} + {storage:g} GB storage"
    return r.item("rds", what, cost)


def _rds_proxy(r: Resource) -> LineItem:
    # RDS Proxy bills the target's vCPUs with a minimum of 2; the class is not in this template.
    cost = 2 * r.month * r.p["rds_proxy_vcpu_hour"]
    return r.item("rds-proxy", "RDS Proxy, 2 vCPU minimum", cost)


def _elasticache(r: Resource) -> LineItem:
    kind = r.get("CacheNodeType")
    if kind not in r.prices.elasticache_node_hour:
        raise NotPriced(f"node type {kind} is not in the price table")
    if "NumNodeGroups" in r.props:
        nodes = int(r.get("NumNodeGroups")) * (int(r.get("ReplicasPerNodeGroup", 0)) + 1)
    else:
        nodes = int(r.get("NumCacheClusters", r.get("NumCacheNodes", 1)))
    cost = nodes * r.month * r.prices.elasticache_node_hour[kind]
    return r.item("elasticache", f"ElastiCache {nodes} x {kind}", cost)


def _dynamodb(r: Resource) -> LineItem:
    storage = r.usage.storage_gb / r.share() * r.p["dynamodb_storage_gb_month"]
    if r.get("BillingMode", "PROVISIONED") == "PAY_PER_REQUEST":
        reads, writes = (r.usage.reads_millions / r.share(), r.usage.writes_millions / r.share())
        cost = reads * r.p["dynamodb_read_million"] + writes * r.p["dynamodb_write_million"]
        what = f"DynamoDB on-demand {reads:g} M reads, {writes:g} M writes"
        return r.item("dynamodb", what, cost + storage)
    raise NotPriced("provisioned-capacity tables are not in the price table")


def _cloudfront(r: Resource) -> LineItem:
    gb = r.usage.transfer_gb / r.share()
    millions = r.usage.requests_millions / r.share()
    cost = gb * r.p["cloudfront_gb"] + millions * r.p["cloudfront_https_million"]
    return r.item("cloudfront", f"CloudFront {gb:g} GB + {millions:g} M HTTPS requests", cost)


def _waf(r: Resource) -> LineItem:
    rules = len(r.props.get("Rules") or [])
    millions = r.usage.requests_millions / r.share()
    cost = (
        r.p["waf_web_acl_month"]
        + rules * r.p["waf_rule_month"]
        + millions * r.p["waf_million_requests"]
    )
    return r.item("waf", f"WAF web ACL + {rules} rules + {millions:g} M requests", cost)


def _alarm(r: Resource) -> LineItem:
    metrics = [m for m in r.props.get("Metrics") or [] if "MetricStat" in m] or [None]
    cost = len(metrics) * r.p["alarm_metric_month"]
    return r.item("alarms", f"CloudWatch alarm, {len(metrics)} metric(s)", cost)


def _log_group(r: Resource) -> LineItem:
    gb = r.usage.log_gb / r.share()
    return r.item("logs", f"log ingestion {gb:g} GB", gb * r.p["log_ingestion_gb"])


def _storage(category: str, price: str, label: str) -> Pricer:
    def pricer(r: Resource) -> LineItem:
        gb = r.usage.storage_gb / r.share()
        return r.item(category, f"{label} {gb:g} GB stored", gb * r.p[price])

    return pricer


def _monthly(category: str, price: str, label: str) -> Pricer:
    def pricer(r: Resource) -> LineItem:
        return r.item(category, label, r.p[price])

    return pricer


PRICERS: dict[str, Pricer] = {
    "AWS::EC2::NatGateway": _nat,
    "AWS::EC2::EIP": _eip,
    "AWS::EC2::VPCEndpoint": _endpoint,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _load_balancer,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::Lambda::Function": _lambda,
    "AWS::ECS::Service": _fargate,
    "AWS::AppRunner::Service": _app_runner,
    "AWS::EC2::Instance": _ec2,
    "AWS::RDS::DBInstance": _rds,
    "AWS::RDS::DBProxy": _rds_proxy,
    "AWS::ElastiCache::ReplicationGroup": _elasticache,
    "AWS::ElastiCache::CacheCluster": _elasticache,
    "AWS::DynamoDB::Table": _dynamodb,
    "AWS::CloudFront::Distribution": _cloudfront,
    "AWS::WAFv2::WebACL": _waf,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::S3::Bucket": _storage("s3", "s3_storage_gb_month", "S3"),
    "AWS::ECR::Repository": _storage("ecr", "ecr_storage_gb_month", "ECR"),
    "AWS::SecretsManager::Secret": _monthly("secrets", "secret_month", "secret"),
    "AWS::KMS::Key": _monthly("kms", "kms_key_month", "customer-managed key"),
    "AWS::ServiceDiscovery::PrivateDnsNamespace": _monthly(
        "dns", "private_hosted_zone_month", "private hosted zone"
    ),
}


def price(resource: Resource) -> LineItem:
    """The resource's line item; NotPriced (with the reason) when it cannot be priced."""
    pricer = PRICERS.get(resource.type)
    if pricer is None:
        raise NotPriced("no price for this type in infragen's table")
    try:
        return pricer(resource)
    except DeployTimeValue as exc:
        raise NotPriced(str(exc)) from None
