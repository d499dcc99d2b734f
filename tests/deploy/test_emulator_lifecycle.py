"""The emulator's CloudFormation API beyond creating resources (`infragen.emulator.cfn_fixes`):
LastUpdatedTime, OBSOLETE change sets, NoEcho masking, termination protection,
ContinueUpdateRollback (with the test-only fault that leaves a stack
UPDATE_ROLLBACK_FAILED), the rollback of an update a resource cannot take, and drift
detection, each through boto3 against the running emulator, as AWS answers them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .conftest import REGION
from .test_emulator import FAILS_ON_TAKEN_LOG_GROUP, client, deploy, outputs

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

TOPIC = """
Parameters:
  Label: {Type: String}
  Secret: {Type: String, NoEcho: true}
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: !Ref Label}
"""


def parameters(label: str, secret: str = "s3cret-value") -> dict[str, str]:
    return {"Label": label, "Secret": secret}


def change_set(cfn: Any, stack: str, name: str, label: str) -> None:
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType="UPDATE",
        TemplateBody=TOPIC,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters(label).items()],
    )


# ---------------------------------------------------------------- LastUpdatedTime


def test_last_updated_time_is_absent_after_create_and_moves_with_each_update(
    aws: str, cfn: Any
) -> None:
    created = deploy(cfn, "life-updated", TOPIC, parameters("one"))
    assert "LastUpdatedTime" not in created

    by_change_set = deploy(cfn, "life-updated", TOPIC, parameters("two"))
    first = by_change_set["LastUpdatedTime"]
    assert first >= created["CreationTime"]

    cfn.update_stack(
        StackName="life-updated",
        TemplateBody=TOPIC,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters("3").items()],
    )
    by_update_stack = cfn.describe_stacks(StackName="life-updated")["Stacks"][0]
    assert by_update_stack["LastUpdatedTime"] > first
    assert by_update_stack["CreationTime"] == created["CreationTime"]


# ---------------------------------------------------------------- OBSOLETE change sets


def test_executing_one_change_set_makes_the_others_obsolete(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-obsolete", TOPIC, parameters("one"))
    change_set(cfn, "life-obsolete", "first", "two")
    change_set(cfn, "life-obsolete", "second", "three")

    cfn.execute_change_set(StackName="life-obsolete", ChangeSetName="first")

    second = cfn.describe_change_set(StackName="life-obsolete", ChangeSetName="second")
    assert second["ExecutionStatus"] == "OBSOLETE"
    with pytest.raises(ClientError) as refused:
        cfn.execute_change_set(StackName="life-obsolete", ChangeSetName="second")
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidChangeSetStatus"
    assert error["Message"] == (
        f"ChangeSet [{second['ChangeSetId']}] cannot be executed in its current execution "
        "status of [OBSOLETE]"
    )
    stack = cfn.describe_stacks(StackName="life-obsolete")["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Label"] == "two"


def test_update_stack_makes_pending_change_sets_obsolete(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-obsolete", TOPIC, parameters("one"))
    change_set(cfn, "life-obsolete", "planned", "two")
    cfn.update_stack(
        StackName="life-obsolete",
        TemplateBody=TOPIC,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters("x").items()],
    )
    planned = cfn.describe_change_set(StackName="life-obsolete", ChangeSetName="planned")
    assert planned["ExecutionStatus"] == "OBSOLETE"


def test_an_executed_change_set_cannot_be_executed_again(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-twice", TOPIC, parameters("one"))
    change_set(cfn, "life-twice", "once", "two")
    cfn.execute_change_set(StackName="life-twice", ChangeSetName="once")
    with pytest.raises(ClientError) as refused:
        cfn.execute_change_set(StackName="life-twice", ChangeSetName="once")
    assert refused.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    assert "[EXECUTE_COMPLETE]" in refused.value.response["Error"]["Message"]


def test_list_change_sets_lists_only_the_named_stacks(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-one", TOPIC, parameters("one"))
    deploy(cfn, "life-two", TOPIC, parameters("one"))
    change_set(cfn, "life-one", "mine", "two")
    change_set(cfn, "life-two", "theirs", "two")
    listed = cfn.list_change_sets(StackName="life-one")["Summaries"]
    assert [(c["StackName"], c["ChangeSetName"]) for c in listed] == [("life-one", "mine")]
    with pytest.raises(ClientError) as refused:
        cfn.list_change_sets(StackName="life-none")
    assert refused.value.response["Error"]["Code"] == "ValidationError"


# ---------------------------------------------------------------- NoEcho


def test_describe_stacks_masks_no_echo_values(aws: str, cfn: Any) -> None:
    stack = deploy(cfn, "life-noecho", TOPIC, parameters("visible", "hunter2"))
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Label": "visible",
        "Secret": "****",
    }
    topic = cfn.describe_stack_resource(StackName="life-noecho", LogicalResourceId="Topic")
    assert topic["StackResourceDetail"]["ResourceStatus"]  # the stack really was created


# ---------------------------------------------------------------- termination protection


def test_termination_protection_set_after_create_is_reported_and_blocks_delete(
    aws: str, cfn: Any
) -> None:
    created = deploy(cfn, "life-protect", TOPIC, parameters("one"))
    assert created["EnableTerminationProtection"] is False
    cfn.update_termination_protection(StackName="life-protect", EnableTerminationProtection=True)
    updated = deploy(cfn, "life-protect", TOPIC, parameters("two"))
    assert updated["EnableTerminationProtection"] is True  # an update keeps it

    with pytest.raises(ClientError) as refused:
        cfn.delete_stack(StackName="life-protect")
    assert refused.value.response["Error"]["Message"] == (
        "Stack [life-protect] cannot be deleted while TerminationProtection is enabled"
    )
    assert cfn.describe_stacks(StackName="life-protect")["Stacks"][0]["StackStatus"] == (
        "UPDATE_COMPLETE"
    )

    cfn.update_termination_protection(StackName="life-protect", EnableTerminationProtection=False)
    cfn.delete_stack(StackName="life-protect")
    assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == []


def test_a_deleted_stack_has_its_deletion_time(aws: str, cfn: Any) -> None:
    created = deploy(cfn, "life-deleted", TOPIC, parameters("one"))
    cfn.delete_stack(StackName="life-deleted")
    (summary,) = [
        s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == "life-deleted"
    ]
    assert summary["StackStatus"] == "DELETE_COMPLETE"
    assert summary["DeletionTime"] >= created["CreationTime"]
    (by_id,) = cfn.describe_stacks(StackName=created["StackId"])["Stacks"]
    assert by_id["DeletionTime"] == summary["DeletionTime"]


def test_cancel_update_stack_outside_an_update_is_refused(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-cancel", TOPIC, parameters("one"))
    with pytest.raises(ClientError) as refused:
        cfn.cancel_update_stack(StackName="life-cancel")
    assert refused.value.response["Error"]["Message"] == (
        "CancelUpdateStack cannot be called from current stack status"
    )


# ---------------------------------------------------------------- UPDATE_ROLLBACK_FAILED


def stack_events(cfn: Any, name: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) oldest first."""
    listed = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in reversed(listed)
    ]


def stuck(cfn: Any, emulator: Emulator, name: str, **fault: Any) -> dict[str, Any]:
    """A stack whose last update (a change set) failed and whose rollback failed too."""
    deploy(cfn, name, TOPIC, parameters("one"))
    emulator.fail_next_update(name, "Topic", rollback_reason="Topic was deleted", **fault)
    return deploy(cfn, name, TOPIC, parameters("two"))


def test_a_failed_update_whose_rollback_fails_is_update_rollback_failed(
    aws: str, cfn: Any, emulator: Emulator
) -> None:
    stack = stuck(cfn, emulator, "life-stuck", update_reason="DisplayName is not valid")
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Label"] == "one"
    assert stack_events(cfn, "life-stuck")[-5:] == [
        ("life-stuck", "UPDATE_IN_PROGRESS", "User Initiated"),
        ("Topic", "UPDATE_FAILED", "DisplayName is not valid"),
        (
            "life-stuck",
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to update: [Topic]. ",
        ),
        ("Topic", "UPDATE_FAILED", "Topic was deleted"),
        (
            "life-stuck",
            "UPDATE_ROLLBACK_FAILED",
            "The following resource(s) failed to update: [Topic]. ",
        ),
    ]
    with pytest.raises(ClientError) as refused:
        change_set(cfn, "life-stuck", "again", "three")
    assert refused.value.response["Error"]["Message"] == (
        f"Stack:{stack['StackId']} is in UPDATE_ROLLBACK_FAILED state and can not be updated."
    )


def test_continue_update_rollback_skipping_the_resource_completes_the_rollback(
    aws: str, cfn: Any, emulator: Emulator
) -> None:
    stuck(cfn, emulator, "life-stuck")
    cfn.continue_update_rollback(StackName="life-stuck", ResourcesToSkip=["Topic"])
    stack = cfn.describe_stacks(StackName="life-stuck")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack_events(cfn, "life-stuck")[-4:] == [
        ("life-stuck", "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated"),
        ("Topic", "UPDATE_COMPLETE", "Resource skipped during rollback"),
        ("life-stuck", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", ""),
        ("life-stuck", "UPDATE_ROLLBACK_COMPLETE", ""),
    ]
    assert deploy(cfn, "life-stuck", TOPIC, parameters("three"))["StackStatus"] == (
        "UPDATE_COMPLETE"
    )


def test_a_rollback_that_cannot_succeed_fails_again_until_the_resource_is_skipped(
    aws: str, cfn: Any, emulator: Emulator
) -> None:
    stuck(cfn, emulator, "life-stuck", until_skipped=True)
    cfn.continue_update_rollback(StackName="life-stuck")
    assert cfn.describe_stacks(StackName="life-stuck")["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_FAILED"
    )
    assert stack_events(cfn, "life-stuck")[-2] == ("Topic", "UPDATE_FAILED", "Topic was deleted")
    cfn.continue_update_rollback(StackName="life-stuck", ResourcesToSkip=["Topic"])
    assert cfn.describe_stacks(StackName="life-stuck")["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_COMPLETE"
    )


def test_continue_update_rollback_on_a_healthy_stack_is_refused(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-healthy", TOPIC, parameters("one"))
    with pytest.raises(ClientError) as refused:
        cfn.continue_update_rollback(StackName="life-healthy")
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"] == (
        "ContinueUpdateRollback cannot be called from current stack status"
    )


def test_a_reset_forgets_a_pending_fault(aws: str, cfn: Any, emulator: Emulator) -> None:
    emulator.fail_next_update("life-reset", "Topic")
    emulator.reset()
    deploy(cfn, "life-reset", TOPIC, parameters("one"))
    assert deploy(cfn, "life-reset", TOPIC, parameters("two"))["StackStatus"] == "UPDATE_COMPLETE"


# ---------------------------------------------------------------- drift

WATCHED = """
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /life/drift, RetentionInDays: 7}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: life-drift, VisibilityTimeout: 30}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: before}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: []}
"""


def detect(cfn: Any, name: str) -> dict[str, Any]:
    detection = cfn.detect_stack_drift(StackName=name)["StackDriftDetectionId"]
    status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    assert status["DetectionStatus"] == "DETECTION_COMPLETE"
    return status  # type: ignore[no-any-return]


def resource_drifts(cfn: Any, name: str, *filters: str) -> dict[str, dict[str, Any]]:
    listed = cfn.describe_stack_resource_drifts(
        StackName=name, **({"StackResourceDriftStatusFilters": list(filters)} if filters else {})
    )["StackResourceDrifts"]
    return {d["LogicalResourceId"]: d for d in listed}


def test_an_untouched_stack_is_in_sync(aws: str, cfn: Any) -> None:
    created = deploy(cfn, "life-drift", WATCHED)
    assert created["DriftInformation"] == {"StackDriftStatus": "NOT_CHECKED"}
    status = detect(cfn, "life-drift")
    assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("IN_SYNC", 0)
    drifts = resource_drifts(cfn, "life-drift")
    assert {k: d["StackResourceDriftStatus"] for k, d in drifts.items()} == {
        "Logs": "IN_SYNC",
        "Queue": "IN_SYNC",
        "Topic": "IN_SYNC",
        "Role": "NOT_CHECKED",  # no live reader: not claimed to be in sync
    }
    assert resource_drifts(cfn, "life-drift", "MODIFIED", "DELETED") == {}
    stack = cfn.describe_stacks(StackName="life-drift")["Stacks"][0]
    assert stack["DriftInformation"]["StackDriftStatus"] == "IN_SYNC"


def test_properties_changed_through_their_service_are_reported_expected_and_actual(
    aws: str, cfn: Any
) -> None:
    deploy(cfn, "life-drift", WATCHED)
    boto3.client("logs", region_name=REGION).put_retention_policy(
        logGroupName="/life/drift", retentionInDays=30
    )
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.get_queue_url(QueueName="life-drift")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "45"})

    status = detect(cfn, "life-drift")
    assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 2)
    drifts = resource_drifts(cfn, "life-drift", "MODIFIED", "DELETED")
    assert sorted(drifts) == ["Logs", "Queue"]
    logs = drifts["Logs"]
    assert (logs["StackResourceDriftStatus"], logs["PhysicalResourceId"]) == (
        "MODIFIED",
        "/life/drift",
    )
    assert logs["PropertyDifferences"] == [
        {
            "PropertyPath": "/RetentionInDays",
            "ExpectedValue": "7",
            "ActualValue": "30",
            "DifferenceType": "NOT_EQUAL",
        }
    ]
    assert json.loads(logs["ExpectedProperties"])["RetentionInDays"] == 7
    assert json.loads(logs["ActualProperties"])["RetentionInDays"] == 30
    assert [
        (d["PropertyPath"], d["ExpectedValue"], d["ActualValue"])
        for d in drifts["Queue"]["PropertyDifferences"]
    ] == [("/VisibilityTimeout", "30", "45")]
    stack = cfn.describe_stacks(StackName="life-drift")["Stacks"][0]
    assert stack["DriftInformation"]["StackDriftStatus"] == "DRIFTED"


def test_a_resource_deleted_behind_cloudformation_is_deleted(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-drift", WATCHED)
    topic = cfn.describe_stack_resource(StackName="life-drift", LogicalResourceId="Topic")
    boto3.client("sns", region_name=REGION).delete_topic(
        TopicArn=topic["StackResourceDetail"]["PhysicalResourceId"]
    )
    assert detect(cfn, "life-drift")["StackDriftStatus"] == "DRIFTED"
    drifts = resource_drifts(cfn, "life-drift", "MODIFIED", "DELETED")
    assert {k: d["StackResourceDriftStatus"] for k, d in drifts.items()} == {"Topic": "DELETED"}


def test_an_unknown_detection_id_is_a_validation_error(aws: str, cfn: Any) -> None:
    with pytest.raises(ClientError) as refused:
        cfn.describe_stack_drift_detection_status(StackDriftDetectionId="nope")
    assert refused.value.response["Error"]["Code"] == "ValidationError"


def test_a_failed_update_whose_rollback_works_is_update_rollback_complete(
    aws: str, cfn: Any, emulator: Emulator
) -> None:
    deploy(cfn, "life-rolled", TOPIC, parameters("one"))
    emulator.fail_next_update(
        "life-rolled", "Topic", update_reason="DisplayName is not valid", rollback_fails=False
    )
    stack = deploy(cfn, "life-rolled", TOPIC, parameters("two"))
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["Label"] == "one"
    assert [(lid, status) for lid, status, _ in stack_events(cfn, "life-rolled")[-6:]] == [
        ("life-rolled", "UPDATE_IN_PROGRESS"),
        ("Topic", "UPDATE_FAILED"),
        ("life-rolled", "UPDATE_ROLLBACK_IN_PROGRESS"),
        ("Topic", "UPDATE_COMPLETE"),
        ("life-rolled", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("life-rolled", "UPDATE_ROLLBACK_COMPLETE"),
    ]
    # A rolled-back stack is updatable again, as on AWS.
    assert deploy(cfn, "life-rolled", TOPIC, parameters("two"))["StackStatus"] == (
        "UPDATE_COMPLETE"
    )


def test_detect_stack_resource_drift_checks_one_resource(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-drift", WATCHED)
    boto3.client("logs", region_name=REGION).put_retention_policy(
        logGroupName="/life/drift", retentionInDays=30
    )
    logs = cfn.detect_stack_resource_drift(StackName="life-drift", LogicalResourceId="Logs")
    assert logs["StackResourceDrift"]["StackResourceDriftStatus"] == "MODIFIED"
    queue = cfn.detect_stack_resource_drift(StackName="life-drift", LogicalResourceId="Queue")
    assert queue["StackResourceDrift"]["StackResourceDriftStatus"] == "IN_SYNC"
    with pytest.raises(ClientError) as refused:
        cfn.detect_stack_resource_drift(StackName="life-drift", LogicalResourceId="Nope")
    assert refused.value.response["Error"]["Message"] == (
        "Resource Nope does not exist for stack life-drift"
    )


def test_an_update_through_the_stack_is_not_drift(aws: str, cfn: Any) -> None:
    deploy(cfn, "life-drift", WATCHED)
    updated = WATCHED.replace("RetentionInDays: 7", "RetentionInDays: 14").replace(
        "VisibilityTimeout: 30", "VisibilityTimeout: 60, DelaySeconds: 5"
    )
    assert deploy(cfn, "life-drift", updated)["StackStatus"] == "UPDATE_COMPLETE"
    status = detect(cfn, "life-drift")
    assert status["StackDriftStatus"] == "IN_SYNC", resource_drifts(cfn, "life-drift")


def test_an_ssm_parameter_that_does_not_exist_is_named(aws: str, cfn: Any) -> None:
    """As AWS: a ValidationError naming the path, not moto's AttributeError on None."""
    template = {
        "Parameters": {
            "CertificateArn": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/acme/dev/missing-certificate-arn",
            }
        },
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    }
    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName="emu-missing-ssm", TemplateBody=json.dumps(template))
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"] == "Parameters: [/acme/dev/missing-certificate-arn] cannot be found."


ROLLED_BACK = """
Parameters:
  Label: {Type: String}
Resources:%s
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: %s, RetentionInDays: 7}
Outputs:
  Name: {Value: !Ref Logs}
  Label: {Value: !Ref Label}
"""
ADDED_QUEUE = """
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: fixes-added}"""


@pytest.mark.parametrize("method", ["changeset", "update_stack"])
def test_a_failed_update_rolls_back_with_the_resource_event(
    aws: str, cfn: Any, method: str
) -> None:
    # Renaming the log group to a taken name makes moto raise inside the resource's update
    # (a real moto error, not an injected fault): AWS fails the update asynchronously.
    client("logs").create_log_group(logGroupName="/fixes/taken")
    before = deploy(cfn, "fixes-upd", ROLLED_BACK % ("", "/fixes/kept"), {"Label": "one"})
    assert before["StackStatus"] == "CREATE_COMPLETE"
    failing = ROLLED_BACK % (ADDED_QUEUE, "/fixes/taken")
    if method == "changeset":
        stack = deploy(cfn, "fixes-upd", failing, {"Label": "two"})
    else:
        cfn.update_stack(
            StackName="fixes-upd",
            TemplateBody=failing,
            Parameters=[{"ParameterKey": "Label", "ParameterValue": "two"}],
        )
        stack = cfn.describe_stacks(StackName="fixes-upd")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert outputs(stack) == {"Name": "/fixes/kept", "Label": "one"}
    assert stack["Parameters"] == [{"ParameterKey": "Label", "ParameterValue": "one"}]
    body = cfn.get_template(StackName="fixes-upd")["TemplateBody"]
    assert "/fixes/kept" in body and "Queue" not in body
    events = cfn.describe_stack_events(StackName="fixes-upd")["StackEvents"]
    sequence = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events)]
    assert sequence[sequence.index(("fixes-upd", "CREATE_COMPLETE")) + 1 :] == [
        ("fixes-upd", "UPDATE_IN_PROGRESS"),
        ("Logs", "UPDATE_FAILED"),
        ("fixes-upd", "UPDATE_ROLLBACK_IN_PROGRESS"),
        ("Logs", "UPDATE_COMPLETE"),
        ("fixes-upd", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
        ("fixes-upd", "UPDATE_ROLLBACK_COMPLETE"),
    ]
    failed = next(e for e in events if e["ResourceStatus"] == "UPDATE_FAILED")
    assert failed["ResourceType"] == "AWS::Logs::LogGroup"
    assert "already exists" in failed["ResourceStatusReason"]
    # The rollback put back what the update changed: the old group, no added queue.
    names = [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]]
    assert sorted(names) == ["/fixes/kept", "/fixes/taken"]
    assert "QueueUrls" not in client("sqs").list_queues()
    # The stack takes the next update, as after any rollback.
    fixed = deploy(cfn, "fixes-upd", ROLLED_BACK % ("", "/fixes/renamed"), {"Label": "two"})
    assert fixed["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(fixed) == {"Name": "/fixes/renamed", "Label": "two"}


def test_a_resource_an_update_adds_that_fails_is_named_with_its_type(aws: str, cfn: Any) -> None:
    client("logs").create_log_group(logGroupName="/fixes/taken")
    deploy(cfn, "fixes-add", ROLLED_BACK % ("", "/fixes/kept"), {"Label": "one"})
    added = """
  Added:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /fixes/taken}"""
    stack = deploy(cfn, "fixes-add", ROLLED_BACK % (added, "/fixes/kept"), {"Label": "one"})
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="fixes-add")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "UPDATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [
        ("Added", "AWS::Logs::LogGroup")
    ]
    assert "already exists" in failed[0]["ResourceStatusReason"]


def test_a_create_stack_a_resource_fails_rolls_back_with_the_resource_event(
    aws: str, cfn: Any
) -> None:
    # CreateStack (`--method direct`), as the change-set create already does.
    client("logs").create_log_group(logGroupName="/fixes/taken")
    stack_id = cfn.create_stack(StackName="fixes-direct", TemplateBody=FAILS_ON_TAKEN_LOG_GROUP)[
        "StackId"
    ]
    stack = cfn.describe_stacks(StackName="fixes-direct")["Stacks"][0]
    assert stack["StackId"] == stack_id
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Outputs" not in stack
    events = cfn.describe_stack_events(StackName="fixes-direct")["StackEvents"]
    assert [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events)] == [
        ("fixes-direct", "CREATE_IN_PROGRESS"),
        ("Logs", "CREATE_FAILED"),
        ("fixes-direct", "ROLLBACK_IN_PROGRESS"),
        ("fixes-direct", "ROLLBACK_COMPLETE"),
    ]
    assert "already exists" in events[-2]["ResourceStatusReason"]
    assert client("sns").list_topics()["Topics"] == []  # rolled back
    assert cfn.list_exports()["Exports"] == []
    assert [s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]] == ["ROLLBACK_COMPLETE"]
