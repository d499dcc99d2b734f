"""Property values before -> after and the risks a reviewer must see, from stubbed change sets."""

from __future__ import annotations

import pytest

from infragen.review.risks import risks
from infragen.review.values import MASK, ResourceValues, resource_values
from review.change_sets import describe_with_values


@pytest.fixture(scope="module")
def values() -> dict[str, ResourceValues]:
    changes = describe_with_values()["Changes"]
    parsed = [resource_values(change, no_echo={"AdminPassword"}) for change in changes]
    return {v.logical_id: v for v in parsed}


def _changed(v: ResourceValues) -> dict[str, tuple[object, object]]:
    return {c.path: (c.before, c.after) for c in v.changes}


def test_changed_property_shows_before_and_after(values: dict[str, ResourceValues]) -> None:
    assert _changed(values["Function"]) == {"MemorySize": (1024, 2048)}
    assert risks(values["Function"]) == []


def test_nested_values_are_diffed_to_the_leaf(values: dict[str, ResourceValues]) -> None:
    assert _changed(values["AppSecurityGroup"]) == {
        "SecurityGroupIngress[0].CidrIp": ("10.0.0.0/16", "0.0.0.0/0")
    }


def test_ingress_opened_to_the_internet_is_a_risk(values: dict[str, ResourceValues]) -> None:
    [risk] = risks(values["AppSecurityGroup"])
    assert risk.kind == "ingress"
    assert "tcp 443-443 from 0.0.0.0/0" in risk.message


def test_iam_wildcard_added_is_a_risk(values: dict[str, ResourceValues]) -> None:
    found = risks(values["TaskRole"])
    assert {r.kind for r in found} == {"iam"}
    messages = " / ".join(r.message for r in found)
    assert "s3:* on *" in messages and "new actions: s3:*" in messages


def test_db_replacement_is_a_risk_with_its_reason(values: dict[str, ResourceValues]) -> None:
    db = values["Database"]
    assert db.replacement_reasons == ["DBInstanceIdentifier (Always)"]
    [risk] = risks(db)
    assert risk.kind == "stateful"
    assert risk.message == (
        "AWS::RDS::DBInstance Database is replaced: DBInstanceIdentifier (Always)"
    )


def test_dynamic_references_and_no_echo_values_are_masked(
    values: dict[str, ResourceValues],
) -> None:
    assert _changed(values["Cache"]) == {}  # both sides masked: nothing to show, nothing leaked
    assert values["Cache"].after["AuthToken"] == MASK
    proxy = values["Proxy"]
    assert proxy.before["UserData"] == MASK and proxy.after["UserData"] == MASK
    assert "password" not in repr(proxy)


def test_removed_encryption_is_a_risk(values: dict[str, ResourceValues]) -> None:
    [risk] = risks(values["Uploads"])
    assert (risk.kind, risk.message) == ("encryption", "Uploads removes BucketEncryption")
