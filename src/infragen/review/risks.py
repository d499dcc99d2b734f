"""What a reviewer must not miss in a plan, found in the values before and after a change:
stateful replacements and removals, IAM statements that broaden, ingress opened to the
internet, public S3 access, and encryption removed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infragen.facts.stateful import STATEFUL_TYPES
from infragen.review.values import ResourceValues

OPEN_CIDRS = ("0.0.0.0/0", "::/0")
IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User")
# Properties whose presence (or a true value) means data is encrypted at rest.
ENCRYPTION_KEYS = (
    "BucketEncryption",
    "StorageEncrypted",
    "KmsKeyId",
    "SSESpecification",
    "KmsMasterKeyId",
    "AtRestEncryptionEnabled",
    "TransitEncryptionEnabled",
    "Encrypted",
    "EncryptionConfiguration",
    "KMSMasterKeyID",
)
PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
)


@dataclass(frozen=True)
class Risk:
    kind: str  # stateful | iam | ingress | public-s3 | encryption
    logical_id: str
    message: str


def risks(values: ResourceValues) -> list[Risk]:
    found: list[Risk] = []
    for check in (_stateful, _iam, _ingress, _public_s3, _encryption):
        found += check(values)
    return found


def _stateful(v: ResourceValues) -> Iterator[Risk]:
    if v.type not in STATEFUL_TYPES:
        return
    if v.action == "Remove":
        yield Risk("stateful", v.logical_id, f"{v.type} {v.logical_id} is deleted")
    elif v.action == "Modify" and v.replacement in ("True", "Conditional"):
        why = ", ".join(v.replacement_reasons) or "see the change set"
        maybe = "may be" if v.replacement == "Conditional" else "is"
        yield Risk("stateful", v.logical_id, f"{v.type} {v.logical_id} {maybe} replaced: {why}")


def _allowed(properties: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, resource) pairs every Allow statement of an IAM resource grants."""
    documents = []
    if "PolicyDocument" in properties:
        documents.append(properties["PolicyDocument"])
    documents += [p.get("PolicyDocument", {}) for p in properties.get("Policies") or []]
    pairs = set()
    for document in documents:
        statements = document.get("Statement", []) if isinstance(document, dict) else []
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            actions = _strings(statement.get("Action"))
            resources = _strings(statement.get("Resource")) or ["*"]
            pairs |= {(a, r) for a in actions for r in resources}
    return pairs


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else str(item) for item in items]


def _iam(v: ResourceValues) -> Iterator[Risk]:
    if v.type not in IAM_TYPES or v.action == "Remove":
        return
    added = _allowed(v.after) - _allowed(v.before)
    if not added:
        return
    stars = sorted(f"{a} on {r}" for a, r in added if "*" in a or r == "*")
    if stars:
        yield Risk("iam", v.logical_id, f"{v.logical_id} grants wildcards: {', '.join(stars)}")
    new_actions = sorted({a for a, _ in added} - {a for a, _ in _allowed(v.before)})
    if new_actions:
        yield Risk(
            "iam", v.logical_id, f"{v.logical_id} allows new actions: {', '.join(new_actions)}"
        )
    new_resources = sorted({r for _, r in added} - {r for _, r in _allowed(v.before)})
    if new_resources and not stars:
        yield Risk(
            "iam", v.logical_id, f"{v.logical_id} reaches new resources: {', '.join(new_resources)}"
        )


def _open_rules(properties: dict[str, Any], type_: str) -> set[str]:
    rules = properties.get("SecurityGroupIngress") or []
    if type_ == "AWS::EC2::SecurityGroupIngress":
        rules = [properties]
    opened = set()
    for rule in rules:
        cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
        if cidr in OPEN_CIDRS:
            ports = f"{rule.get('FromPort', 'all')}-{rule.get('ToPort', 'all')}"
            opened.add(f"{rule.get('IpProtocol', '?')} {ports} from {cidr}")
    return opened


def _ingress(v: ResourceValues) -> Iterator[Risk]:
    if v.type not in ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"):
        return
    for rule in sorted(_open_rules(v.after, v.type) - _open_rules(v.before, v.type)):
        yield Risk("ingress", v.logical_id, f"{v.logical_id} opens {rule} (the internet)")


def _public_s3(v: ResourceValues) -> Iterator[Risk]:
    if v.type != "AWS::S3::Bucket" or v.action == "Remove":
        return
    before = v.before.get("PublicAccessBlockConfiguration") or {}
    after = v.after.get("PublicAccessBlockConfiguration") or {}
    weakened = [
        flag
        for flag in PUBLIC_ACCESS_FLAGS
        if after.get(flag) is not True and (before.get(flag) is True or v.action == "Add")
    ]
    if weakened:
        yield Risk(
            "public-s3",
            v.logical_id,
            f"{v.logical_id} does not block public access: {', '.join(weakened)} off",
        )


def _encrypted(value: Any) -> bool:
    return value not in (None, False, "false", "False", {}, [])


def _encryption(v: ResourceValues) -> Iterator[Risk]:
    if v.action != "Modify":
        return
    for key in ENCRYPTION_KEYS:
        if _encrypted(v.before.get(key)) and not _encrypted(v.after.get(key)):
            yield Risk("encryption", v.logical_id, f"{v.logical_id} removes {key}")
