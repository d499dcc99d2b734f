"""The gateway with botocore's Stubber: request shapes, error-code mapping, waiting, events."""

from __future__ import annotations

import pytest

from infragen.aws import status as st
from infragen.aws.gateway import (
    AccessDeniedError,
    AwsError,
    ChangeSetFailedError,
    StackNotFoundError,
    ThrottledError,
)
from infragen.aws.requests import (
    backoff_delays,
    change_set_request,
    create_stack_request,
    template_argument,
    template_url,
)
from infragen.aws.types import StackEvent, root_cause

from .stubs import change_set, event, events, not_found, stack, stack_id, stubbed_gateway


def test_change_set_request_is_built_without_aws() -> None:
    request = change_set_request(
        stack_name="acme-dev-a-b",
        change_set_name="infragen-1",
        change_set_type="UPDATE",
        template=template_argument(body="Resources: {}"),
        parameters={"VpcId": "vpc-1", "A": "x"},
        tags={"Project": "acme"},
    )
    assert request == {
        "StackName": "acme-dev-a-b",
        "ChangeSetName": "infragen-1",
        "ChangeSetType": "UPDATE",
        "Parameters": [
            {"ParameterKey": "A", "ParameterValue": "x"},
            {"ParameterKey": "VpcId", "ParameterValue": "vpc-1"},
        ],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "Tags": [{"Key": "Project", "Value": "acme"}],
        "TemplateBody": "Resources: {}",
    }


def test_create_stack_request_sets_protection_and_url_template() -> None:
    request = create_stack_request(
        stack_name="s",
        template=template_argument(url="https://b.s3.us-east-1.amazonaws.com/k"),
        parameters={},
        tags={},
        termination_protection=True,
    )
    assert request["EnableTerminationProtection"] is True
    assert request["TemplateURL"] == "https://b.s3.us-east-1.amazonaws.com/k"
    assert "TemplateBody" not in request


def test_template_url_is_the_aws_form_that_cloudformation_fetches() -> None:
    assert template_url("b", "k.yaml", "eu-west-1") == (
        "https://b.s3.eu-west-1.amazonaws.com/k.yaml"
    )


def test_status_groups_never_count_rollbacks_as_success() -> None:
    for status in ("ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED"):
        assert not st.is_succeeded(status)
    assert st.is_succeeded("UPDATE_COMPLETE") and st.is_succeeded("CREATE_COMPLETE")
    assert st.is_rolled_back("UPDATE_ROLLBACK_COMPLETE")
    assert st.is_updatable("UPDATE_ROLLBACK_COMPLETE")
    assert not st.is_updatable("ROLLBACK_COMPLETE")
    assert st.is_failed_create("ROLLBACK_COMPLETE")
    assert st.is_in_progress("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    assert not st.is_in_progress("SOMETHING_NEW")


def test_backoff_is_capped() -> None:
    delays = backoff_delays(1.0, 5.0)
    assert [next(delays) for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_describe_stack_maps_does_not_exist_to_none() -> None:
    gateway, stubber = stubbed_gateway()
    not_found(stubber, "describe_stacks", "nope")
    assert gateway.describe_stack("nope") is None
    stubber.assert_no_pending_responses()


def test_describe_all_stacks_follows_pages_and_drops_deleted() -> None:
    gateway, stubber = stubbed_gateway()
    first, gone, second = (
        stack(name, status)["Stacks"][0]
        for name, status in (
            ("acme-dev-a-one", "UPDATE_COMPLETE"),
            ("acme-dev-a-old", "DELETE_COMPLETE"),
            ("acme-dev-a-two", "ROLLBACK_COMPLETE"),
        )
    )
    stubber.add_response("describe_stacks", {"Stacks": [first, gone], "NextToken": "t1"}, {})
    stubber.add_response("describe_stacks", {"Stacks": [second]}, {"NextToken": "t1"})
    found = gateway.describe_all_stacks()
    assert sorted(found) == ["acme-dev-a-one", "acme-dev-a-two"]
    assert found["acme-dev-a-two"].status == "ROLLBACK_COMPLETE"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        ("Throttling", "Rate exceeded", ThrottledError),
        ("AccessDenied", "not allowed", AccessDeniedError),
        ("ValidationError", "Template format error", AwsError),
    ],
)
def test_errors_are_classified_by_code(code: str, message: str, error: type) -> None:
    gateway, stubber = stubbed_gateway()
    stubber.add_client_error("describe_stacks", service_error_code=code, service_message=message)
    with pytest.raises(AwsError) as raised:
        gateway.describe_stack("s")
    assert type(raised.value) is error
    assert code in raised.value.message and raised.value.stack == "s"


def test_wait_polls_with_backoff_and_reports_each_event_once_in_order() -> None:
    sleeps: list[float] = []
    gateway, stubber = stubbed_gateway(sleeps)
    first = [event("s", 2, "s", "UPDATE_IN_PROGRESS", resource_type="AWS::CloudFormation::Stack")]
    second = [*first, event("s", 3, "LogGroup", "UPDATE_COMPLETE")]
    third = [*second, event("s", 4, "s", "UPDATE_COMPLETE", resource_type="X")]
    for status, evs in (
        ("UPDATE_IN_PROGRESS", first),
        ("UPDATE_IN_PROGRESS", second),
        ("UPDATE_COMPLETE", third),
    ):
        stubber.add_response("describe_stacks", stack("s", status), {"StackName": "s"})
        stubber.add_response(
            "describe_stack_events",
            events(event("s", 1, "s", "UPDATE_COMPLETE"), *evs),
            {"StackName": stack_id("s")},
        )
    seen: list[StackEvent] = []
    final, collected = gateway.wait_for_stack("s", since_event="e1", on_event=seen.append)
    assert final is not None and final.status == "UPDATE_COMPLETE"
    assert [e.event_id for e in seen] == ["e2", "e3", "e4"]
    assert collected == seen
    assert sleeps == [1.0, 2.0]  # first check immediate, then capped exponential backoff
    stubber.assert_no_pending_responses()


def test_root_cause_is_the_first_failure_not_a_cancellation() -> None:
    evs = [
        StackEvent.from_api(e)
        for e in events(
            event("s", 1, "Queue", "UPDATE_FAILED", "Resource update cancelled"),
            event("s", 2, "LogGroup", "UPDATE_FAILED", "Retention 3 is invalid"),
            event("s", 3, "Topic", "UPDATE_FAILED", "Resource update cancelled"),
        )["StackEvents"]
    ]
    cause = root_cause(evs)
    assert cause is not None and cause.logical_id == "LogGroup"
    assert cause.reason == "Retention 3 is invalid"


def test_empty_change_set_is_no_changes_and_gets_deleted() -> None:
    gateway, stubber = stubbed_gateway()
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": "arn:s"})
    failed = change_set([], status="FAILED")
    failed["StatusReason"] = (
        "The submitted information didn't contain changes. Submit different information "
        "to create a change set."
    )
    stubber.add_response(
        "describe_change_set",
        failed,
        {"StackName": "s", "ChangeSetName": "c", "IncludePropertyValues": True},
    )
    stubber.add_response("delete_change_set", {}, {"StackName": "s", "ChangeSetName": "c"})
    request = {"StackName": "s", "ChangeSetName": "c", "ChangeSetType": "UPDATE"}
    result = gateway.create_change_set({**request, "TemplateBody": "x"})
    assert result.empty
    stubber.assert_no_pending_responses()


def test_a_change_set_that_fails_for_another_reason_is_an_error() -> None:
    gateway, stubber = stubbed_gateway()
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": "arn:s"})
    failed = change_set([], status="FAILED")
    failed["StatusReason"] = "Parameter 'VpcId' must be one of AllowedValues"
    stubber.add_response("describe_change_set", failed)
    with pytest.raises(ChangeSetFailedError, match="AllowedValues"):
        gateway.create_change_set(
            {"StackName": "s", "ChangeSetName": "c", "ChangeSetType": "UPDATE", "TemplateBody": "x"}
        )


def test_change_set_details_carry_replacement() -> None:
    gateway, stubber = stubbed_gateway()
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": "arn:s"})
    stubber.add_response(
        "describe_change_set",
        change_set([("Modify", "LogGroup", "AWS::Logs::LogGroup", "True")]),
    )
    result = gateway.create_change_set(
        {"StackName": "s", "ChangeSetName": "c", "ChangeSetType": "UPDATE", "TemplateBody": "x"}
    )
    assert [(c.logical_id, c.replaces) for c in result.changes] == [("LogGroup", True)]


def test_change_sets_are_described_with_property_values() -> None:
    """plan shows values before -> after: the gateway asks for them and keeps them."""
    gateway, stubber = stubbed_gateway()
    stubber.add_response("create_change_set", {"Id": "arn:cs", "StackId": "arn:s"})
    described = change_set([("Modify", "Function", "AWS::Lambda::Function", "False")])
    described["Changes"][0]["ResourceChange"].update(
        BeforeContext='{"Properties": {"MemorySize": 128}}',
        AfterContext='{"Properties": {"MemorySize": 2048}}',
    )
    stubber.add_response(
        "describe_change_set",
        described,
        {"StackName": "s", "ChangeSetName": "c", "IncludePropertyValues": True},
    )
    result = gateway.create_change_set(
        {"StackName": "s", "ChangeSetName": "c", "ChangeSetType": "UPDATE", "TemplateBody": "x"}
    )
    stubber.assert_no_pending_responses()
    context = result.changes[0].raw["ResourceChange"]
    assert context["AfterContext"] == '{"Properties": {"MemorySize": 2048}}'


def test_drift_detection_reports_drifted_resources() -> None:
    sleeps: list[float] = []
    gateway, stubber = stubbed_gateway(sleeps)
    stubber.add_response("detect_stack_drift", {"StackDriftDetectionId": "d1"}, {"StackName": "s"})
    status = {
        "StackId": "arn:s",
        "StackDriftDetectionId": "d1",
        "DetectionStatus": "DETECTION_IN_PROGRESS",
        "Timestamp": stack("s", "X")["Stacks"][0]["CreationTime"],
    }
    stubber.add_response(
        "describe_stack_drift_detection_status", status, {"StackDriftDetectionId": "d1"}
    )
    done = {**status, "DetectionStatus": "DETECTION_COMPLETE", "StackDriftStatus": "DRIFTED"}
    stubber.add_response(
        "describe_stack_drift_detection_status", done, {"StackDriftDetectionId": "d1"}
    )
    stubber.add_response(
        "describe_stack_resource_drifts",
        {
            "StackResourceDrifts": [
                {
                    "StackId": "arn:s",
                    "LogicalResourceId": "LogGroup",
                    "ResourceType": "AWS::Logs::LogGroup",
                    "StackResourceDriftStatus": "MODIFIED",
                    "Timestamp": status["Timestamp"],
                }
            ]
        },
        {"StackName": "s", "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]},
    )
    result = gateway.detect_drift("s")
    assert result.drifted
    assert [(d.logical_id, d.resource_type, d.status) for d in result.drifted_resources] == [
        ("LogGroup", "AWS::Logs::LogGroup", "MODIFIED")
    ]
    assert sleeps == [1.0]


def test_missing_change_set_on_delete_is_fine() -> None:
    gateway, stubber = stubbed_gateway()
    stubber.add_client_error(
        "delete_change_set", service_error_code="ChangeSetNotFound", service_message="gone"
    )
    gateway.delete_change_set("s", "c")
    stubber.assert_no_pending_responses()


def test_not_found_error_is_a_domain_error_for_other_calls() -> None:
    gateway, stubber = stubbed_gateway()
    not_found(stubber, "get_template", "s")
    with pytest.raises(StackNotFoundError):
        gateway.get_template("s")
