"""From an app's rendered templates to a Picture.

Nodes are resources, one per resource or one per group of repeats (PublicSubnet1 and 2 become
"PublicSubnet x2"); plumbing (routes, policies, log groups, alarms) is left out so a 60-resource
app stays readable. Edges come from `Ref`/`GetAtt`/`Sub` inside a template, from Parameters fed
by another stack's output (drawn to the resource behind that output), from security-group rules
(source group to the group it may reach, with the port), and from the resources that only join
two others (a Lambda permission, an API route or method) drawn as one edge between them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from infragen.cfn_template import Template
from infragen.diagram.model import Edge, Node, Picture
from infragen.errors import InfragenError

# Left out of the picture: they wire things together rather than being things.
HIDDEN = frozenset(
    {
        "AWS::EC2::Route",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::FlowLog",
        "AWS::EC2::EIP",
        "AWS::IAM::Policy",
        "AWS::IAM::InstanceProfile",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::KMS::Alias",
        "AWS::S3::BucketPolicy",
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::RDS::DBParameterGroup",
        "AWS::RDS::DBSubnetGroup",
        "AWS::ElastiCache::ParameterGroup",
        "AWS::ElastiCache::SubnetGroup",
        "AWS::WAFv2::LoggingConfiguration",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::ApiMapping",
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Account",
        "AWS::AppRunner::ObservabilityConfiguration",
        "AWS::AppRunner::AutoScalingConfiguration",
        "AWS::ECR::RegistryScanningConfiguration",
    }
)
# Hidden resources that join two visible ones: (property naming the caller, property the callee).
JOINS = {
    "AWS::Lambda::Permission": ("SourceArn", "FunctionName"),
    "AWS::ApiGatewayV2::Route": ("ApiId", "Target"),
    "AWS::ApiGateway::Method": ("RestApiId", "Integration"),
    "AWS::WAFv2::WebACLAssociation": ("WebACLArn", "ResourceArn"),
}
INTERNET = "internet"


class UnknownAppError(InfragenError):
    """The app asked for has no stacks in the rendered env."""


def app_names(env_dir: Path) -> list[str]:
    return apps_of(_manifest(env_dir))


def apps_of(manifest: Mapping[str, Any]) -> list[str]:
    """The apps of a manifest, in deploy order of their first stack."""
    return list(dict.fromkeys(sid.partition("/")[0] for sid in manifest["order"]))


def read_rendered(env_dir: Path) -> tuple[dict[str, Any], dict[str, Template]]:
    """An env's manifest and each of its templates, parsed once for all its apps."""
    manifest = _manifest(env_dir)
    templates = {
        sid: Template.read(env_dir / manifest["stacks"][sid]["template"])
        for sid in manifest["order"]
    }
    return manifest, templates


def build_picture(env_dir: Path, app: str) -> Picture:
    manifest, templates = read_rendered(env_dir)
    if app not in apps_of(manifest):
        raise UnknownAppError(
            f"no app {app!r} in {env_dir}", f"apps: {', '.join(apps_of(manifest))}"
        )
    return picture_of(manifest, templates, app)


def picture_of(manifest: Mapping[str, Any], templates: Mapping[str, Template], app: str) -> Picture:
    """The picture of `app` from a manifest and its parsed templates (by stack id)."""
    stacks = [sid for sid in manifest["order"] if sid.partition("/")[0] == app]
    picture = Picture(app, stacks)
    where: dict[tuple[str, str], str] = {}  # (stack, logical id) -> node id
    for sid in stacks:
        _add_nodes(picture, sid, templates[sid], where)
    for sid in stacks:
        builder = _Edges(picture, sid, templates, manifest["stacks"][sid], where)
        builder.add_all()
    return picture


def _manifest(env_dir: Path) -> dict[str, Any]:
    path = env_dir / "manifest.json"
    if not path.is_file():
        raise InfragenError(
            f"{path} not found: nothing rendered to draw",
            f"run `infragen render --env {env_dir.name}` first",
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _stem(logical_id: str) -> str:
    return re.sub(r"\d+$", "", logical_id)


def _node_id(stack: str, name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", f"{stack}__{name}")


def _add_nodes(
    picture: Picture, sid: str, template: Template, where: dict[tuple[str, str], str]
) -> None:
    groups: dict[tuple[str, str], list[str]] = {}
    for lid, resource in template.resources.items():
        type_ = resource.get("Type", "")
        if type_ not in HIDDEN and type_ != "AWS::ApiGatewayV2::Integration":
            groups.setdefault((type_, _stem(lid)), []).append(lid)
    tiers = _subnet_tiers(template)
    for (type_, stem), members in groups.items():
        name = members[0] if len(members) == 1 else stem
        short = type_.removeprefix("AWS::")
        count = f" x{len(members)}" if len(members) > 1 else ""
        node = Node(_node_id(sid, name), f"{name}{count}<br/><i>{short}</i>", sid, members)
        node.place = _place(template, members[0], tiers)
        picture.nodes[node.id] = node
        for lid in members:
            where[(sid, lid)] = node.id


def _subnet_tiers(template: Template) -> dict[str, str]:
    """Subnet logical id -> its tier's subgraph title ("PublicSubnet" -> "Public subnets")."""
    tiers = {}
    for lid in template.of_type("AWS::EC2::Subnet"):
        words = re.findall(r"[A-Z][a-z]*", _stem(lid).removesuffix("Subnet"))
        tiers[lid] = (" ".join(words).capitalize() or "Other") + " subnets"
    return tiers


def _place(template: Template, lid: str, tiers: dict[str, str]) -> tuple[str, ...]:
    """Where a network resource sits: the VPC, and the subnet tier when it has a subnet."""
    if not tiers:
        return ()
    if lid in tiers:
        return ("VPC", tiers[lid])
    props = template.resources[lid].get("Properties") or {}
    subnets = [props.get("SubnetId"), *(props.get("SubnetIds") or [])]
    for ref in subnets:
        if isinstance(ref, dict) and ref.get("Ref") in tiers:
            return ("VPC", tiers[ref["Ref"]])
    if "VpcId" in props or template.resources[lid].get("Type") == "AWS::EC2::VPC":
        return ("VPC",)
    return ()


def refs(value: Any) -> Iterator[str]:
    """Every logical id or parameter name `value` refers to (Ref, GetAtt, and ${} in Sub)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                yield inner
            elif key == "Fn::GetAtt":
                yield inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                yield from re.findall(r"\$\{([A-Za-z0-9]+)[.}]", str(text))
                if isinstance(inner, list):
                    yield from refs(inner[1])
            else:
                yield from refs(inner)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


class _Edges:
    """The edges of one stack's resources, within the stack and to other stacks."""

    def __init__(
        self,
        picture: Picture,
        sid: str,
        templates: Mapping[str, Template],
        entry: dict[str, Any],
        where: dict[tuple[str, str], str],
    ) -> None:
        self.picture, self.sid, self.templates, self.where = picture, sid, templates, where
        self.template = templates[sid]
        self.parameters = entry.get("parameters") or {}

    def add_all(self) -> None:
        for lid, resource in self.template.resources.items():
            type_ = resource.get("Type", "")
            props = resource.get("Properties") or {}
            if type_ in JOINS:
                caller, callee = JOINS[type_]
                self._join(props.get(caller), props.get(callee))
            elif type_ == "AWS::EC2::SecurityGroupIngress":
                self._ingress(props, props.get("GroupId"))
            elif (self.sid, lid) in self.where:
                source = self.where[(self.sid, lid)]
                for rule in props.get("SecurityGroupIngress") or []:
                    self._ingress(rule, {"Ref": lid})
                for name in set(refs(props)):
                    for target in self.targets(name):
                        self._edge(source, target)

    def targets(self, name: str) -> list[str]:
        """Node ids behind a name: a local resource, or the producer's resources for a
        Parameter fed by another stack's output (an external node for another app)."""
        if (self.sid, name) in self.where:
            return [self.where[(self.sid, name)]]
        local = self.template.resources.get(name)
        if local is not None and local.get("Type") == "AWS::ApiGatewayV2::Integration":
            props = local.get("Properties") or {}
            return [t for inner in set(refs(props)) for t in self.targets(inner)]
        source = (self.parameters.get(name) or {}).get("source") or {}
        if source.get("kind") != "stack_output":
            return []
        producer, output = source["stack"], source["output"]
        if producer.partition("/")[0] != self.picture.app:
            node_id = _node_id("external", producer)
            self.picture.nodes.setdefault(
                node_id, Node(node_id, f"{producer}<br/><i>other app</i>", "", [])
            )
            return [node_id]
        template = self.templates.get(producer)
        if template is None:
            return []
        value = (template.outputs.get(output) or {}).get("Value")
        return [self.where[(producer, n)] for n in set(refs(value)) if (producer, n) in self.where]

    def _join(self, caller: Any, callee: Any) -> None:
        for a in {t for n in refs(caller) for t in self.targets(n)}:
            for b in {t for n in refs(callee) for t in self.targets(n)}:
                self._edge(a, b)

    def _ingress(self, rule: dict[str, Any], group: Any) -> None:
        port = rule.get("FromPort")
        label = "all" if port in (None, -1) else str(port)
        targets = {t for n in refs(group) for t in self.targets(n)}
        sources = {t for n in refs(rule.get("SourceSecurityGroupId")) for t in self.targets(n)}
        if rule.get("CidrIp") == "0.0.0.0/0" or rule.get("CidrIpv6") == "::/0":
            self.picture.nodes.setdefault(INTERNET, Node(INTERNET, "Internet", "", []))
            sources.add(INTERNET)
        for source in sources:
            for target in targets:
                self._edge(source, target, label)

    def _edge(self, source: str, target: str, label: str = "") -> None:
        # Everything in a VPC refers to it; the VPC subgraph already says so.
        if source != target and not target.endswith("__Vpc"):
            self.picture.edges.add(Edge(source, target, label))
