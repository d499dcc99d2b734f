"""infragen's emulator itself (`infragen.emulator`): one test per fix to moto, against the
running emulator through the CloudFormation API as infragen uses it (change sets); the
server and `infragen emulator` command; README's generated coverage table.

The resource-type models have their own tests (test_emulator_models.py).
"""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from click.testing import CliRunner

from infragen.cli import cli

from .conftest import REGION

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- helpers


def deploy(
    cfn: Any,
    name: str,
    template: str,
    parameters: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Create and execute one change set, as `infragen deploy` does; the stack after."""
    existing = [
        s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name
    ] and cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] != "REVIEW_IN_PROGRESS"
    change_set = f"cs-{uuid.uuid4().hex[:8]}"
    cfn.create_change_set(
        StackName=name,
        ChangeSetName=change_set,
        ChangeSetType="UPDATE" if existing else "CREATE",
        TemplateBody=template,
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()
        ],
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )
    assert cfn.describe_change_set(StackName=name, ChangeSetName=change_set)["Status"] == (
        "CREATE_COMPLETE"
    )
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]  # type: ignore[no-any-return]


def outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


VPC = """
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, AvailabilityZone: us-east-1a}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24, AvailabilityZone: us-east-1b}
"""

DATABASE = f"""
Resources:{VPC}
  SubnetGroup:
    Type: AWS::RDS::DBSubnetGroup
    Properties:
      DBSubnetGroupDescription: two subnets
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
  ParameterGroup:
    Type: AWS::RDS::DBParameterGroup
    Properties:
      Description: slow queries
      Family: postgres16
      Parameters: {{log_min_duration_statement: '500'}}
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceIdentifier: fixes-db
      Engine: postgres
      EngineVersion: '16.9'
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: '20'
      MasterUsername: app_admin
      ManageMasterUserPassword: true
      DBSubnetGroupName: !Ref SubnetGroup
      DBParameterGroupName: !Ref ParameterGroup
      Port: '5432'
Outputs:
  Address: {{Value: !GetAtt Database.Endpoint.Address}}
  Port: {{Value: !GetAtt Database.Endpoint.Port}}
  SecretArn: {{Value: !GetAtt Database.MasterUserSecret.SecretArn}}
  ParameterGroup: {{Value: !Ref ParameterGroup}}
"""


# ---------------------------------------------------------------- fixes: CloudFormation


def test_change_set_execution_sets_outputs_parameters_tags_and_exports(aws: str, cfn: Any) -> None:
    template = """
Parameters:
  Label: {Type: String}
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: !Ref Label}
Outputs:
  TopicArn:
    Value: !Ref Topic
    Export: {Name: fixes-topic-arn}
  Label: {Value: !Ref Label}
"""
    created = deploy(cfn, "fixes-cs", template, {"Label": "one"}, {"Stage": "first"})
    assert created["StackStatus"] == "CREATE_COMPLETE"
    arns = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
    assert outputs(created) == {"TopicArn": arns[0], "Label": "one"}
    assert {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]} == {
        "fixes-topic-arn": arns[0]
    }

    updated = deploy(cfn, "fixes-cs", template, {"Label": "two"}, {"Stage": "second"})
    assert updated["StackStatus"] == "UPDATE_COMPLETE"
    arns = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]]
    assert outputs(updated) == {"TopicArn": arns[0], "Label": "two"}
    assert updated["Parameters"] == [{"ParameterKey": "Label", "ParameterValue": "two"}]
    assert {t["Key"]: t["Value"] for t in updated["Tags"]} == {"Stage": "second"}
    assert [e["Value"] for e in cfn.list_exports()["Exports"]] == [arns[0]]
    # Executed change sets are no longer listed (ListChangeSets lists active ones).
    assert cfn.list_change_sets(StackName="fixes-cs")["Summaries"] == []


#: A stack whose second resource cannot be created once /fixes/taken exists: the topic made
#: first must be rolled back, and its output and export never appear.
FAILS_ON_TAKEN_LOG_GROUP = """
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Logs:
    Type: AWS::Logs::LogGroup
    DependsOn: Topic
    Properties: {LogGroupName: /fixes/taken}
Outputs:
  TopicArn: {Value: !Ref Topic, Export: {Name: fixes-failing-topic}}
"""


def test_failed_change_set_create_rolls_back_with_the_resource_event(aws: str, cfn: Any) -> None:
    client("logs").create_log_group(logGroupName="/fixes/taken")
    stack = deploy(cfn, "fixes-rollback", FAILS_ON_TAKEN_LOG_GROUP)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Outputs" not in stack
    events = cfn.describe_stack_events(StackName="fixes-rollback")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [
        ("Logs", "AWS::Logs::LogGroup")
    ]
    assert "already exists" in failed[0]["ResourceStatusReason"]
    assert client("sns").list_topics()["Topics"] == []  # rolled back
    # The region's listing still works (moto's own failure mode broke it).
    assert [s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]] == ["ROLLBACK_COMPLETE"]


def test_concurrent_stacks_do_not_break_each_other(aws: str, cfn: Any) -> None:
    # Stacks whose VPCs and subnets are created at once, as Sceptre's launch threads do; a
    # tiny GIL switch interval makes moto's unlocked dicts change under an iteration.
    names = [f"fixes-net-{i}" for i in range(80)]
    clients = [boto3.client("cloudformation", region_name=REGION) for _ in names]
    start = threading.Barrier(len(names))

    def create(index: int) -> None:
        start.wait()
        clients[index].create_stack(
            StackName=names[index], TemplateBody="Resources:" + VPC.replace("10.0.", f"10.{index}.")
        )

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(names))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    statuses = {s["StackName"]: s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]}
    assert statuses == dict.fromkeys(names, "CREATE_COMPLETE")


def test_update_termination_protection_is_implemented(aws: str, cfn: Any) -> None:
    deploy(cfn, "fixes-protect", "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n")
    for enabled in (True, False):
        cfn.update_termination_protection(
            StackName="fixes-protect", EnableTerminationProtection=enabled
        )
        stack = cfn.describe_stacks(StackName="fixes-protect")["Stacks"][0]
        assert stack["EnableTerminationProtection"] is enabled


def test_describe_stacks_shows_list_parameters_as_given(aws: str, cfn: Any) -> None:
    template = """
Parameters:
  Names: {Type: CommaDelimitedList}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  First: {Value: !Select [0, !Ref Names]}
"""
    stack = deploy(cfn, "fixes-list", template, {"Names": "a,b"})
    assert stack["Parameters"] == [{"ParameterKey": "Names", "ParameterValue": "a,b"}]
    assert outputs(stack) == {"First": "a"}


def test_getatt_splits_at_the_first_dot(aws: str, cfn: Any) -> None:
    stack = deploy(cfn, "fixes-db", DATABASE)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    endpoint = client("rds").describe_db_instances()["DBInstances"][0]["Endpoint"]
    assert outputs(stack)["Address"] == endpoint["Address"]
    assert outputs(stack)["Port"] == "5432" == str(endpoint["Port"])


def test_getatt_on_an_unmodelled_type_names_the_type(aws: str, cfn: Any) -> None:
    template = """
Resources:
  Thing: {Type: AWS::Example::Thing}
Outputs:
  ThingArn: {Value: !GetAtt Thing.Arn}
"""
    stack = deploy(cfn, "fixes-unmodelled", template)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="fixes-unmodelled")["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events]
    assert any("does not model AWS::Example::Thing" in r for r in reasons), reasons


# ---------------------------------------------------------------- fixes: resource types


def test_kms_key_takes_cloudformation_tags(aws: str, cfn: Any) -> None:
    template = """
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
        - {Effect: Allow, Principal: {AWS: '*'}, Action: 'kms:*', Resource: '*'}
      Tags:
      - {Key: Project, Value: acme}
Outputs:
  KeyArn: {Value: !GetAtt Key.Arn}
"""
    stack = deploy(cfn, "fixes-kms", template)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    key_id = outputs(stack)["KeyArn"].rsplit("/", 1)[1]
    tags = client("kms").list_resource_tags(KeyId=key_id)["Tags"]
    assert tags == [{"TagKey": "Project", "TagValue": "acme"}]
    policy = client("kms").get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert json.loads(policy)["Statement"][0]["Action"] == "kms:*"


def test_rds_db_instance_managed_master_password(aws: str, cfn: Any) -> None:
    stack = deploy(cfn, "fixes-db", DATABASE)
    secret_arn = outputs(stack)["SecretArn"]
    database = client("rds").describe_db_instances()["DBInstances"][0]
    assert database["MasterUserSecret"]["SecretArn"] == secret_arn
    assert client("secretsmanager").describe_secret(SecretId=secret_arn)["ARN"] == secret_arn


def test_rds_parameter_group_ref_is_its_name(aws: str, cfn: Any) -> None:
    stack = deploy(cfn, "fixes-db", DATABASE)
    database = client("rds").describe_db_instances()["DBInstances"][0]
    group = database["DBParameterGroups"][0]["DBParameterGroupName"]
    assert outputs(stack)["ParameterGroup"] == group
    assert client("rds").describe_db_parameter_groups(DBParameterGroupName=group)


def test_apigateway_mock_integration_needs_no_backend(aws: str, cfn: Any) -> None:
    template = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: fixes-api}
  Preflight:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
Outputs:
  ApiId: {Value: !Ref Api}
  RootId: {Value: !GetAtt Api.RootResourceId}
"""
    stack = deploy(cfn, "fixes-api", template)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    integration = client("apigateway").get_integration(
        restApiId=outputs(stack)["ApiId"],
        resourceId=outputs(stack)["RootId"],
        httpMethod="OPTIONS",
    )
    assert integration["type"] == "MOCK"


def test_elbv2_load_balancer_attributes(aws: str, cfn: Any) -> None:
    template = f"""
Resources:{VPC}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: alb, VpcId: !Ref Vpc}}
  LoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [!Ref SubnetA, !Ref SubnetB]
      SecurityGroups: [!GetAtt Group.GroupId]
Outputs:
  Zone: {{Value: !GetAtt LoadBalancer.CanonicalHostedZoneID}}
  FullName: {{Value: !GetAtt LoadBalancer.LoadBalancerFullName}}
  Groups: {{Value: !Join [',', !GetAtt LoadBalancer.SecurityGroups]}}
"""
    stack = deploy(cfn, "fixes-alb", template)
    balancer = client("elbv2").describe_load_balancers()["LoadBalancers"][0]
    assert outputs(stack) == {
        "Zone": balancer["CanonicalHostedZoneId"],
        "FullName": balancer["LoadBalancerArn"].split(":loadbalancer/")[1],
        "Groups": ",".join(balancer["SecurityGroups"]),
    }


def test_ec2_instance_launches_from_its_launch_template(aws: str, cfn: Any) -> None:
    image = client("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    template = """
Parameters:
  ImageId: {Type: String}
Resources:
  LaunchTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData: {ImageId: !Ref ImageId, InstanceType: t3.micro}
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      LaunchTemplate:
        LaunchTemplateId: !Ref LaunchTemplate
        Version: !GetAtt LaunchTemplate.LatestVersionNumber
Outputs:
  InstanceId: {Value: !Ref Instance}
"""
    stack = deploy(cfn, "fixes-instance", template, {"ImageId": image})
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    reservations = client("ec2").describe_instances(InstanceIds=[outputs(stack)["InstanceId"]])
    instance = reservations["Reservations"][0]["Instances"][0]
    assert (instance["ImageId"], instance["InstanceType"]) == (image, "t3.micro")


def test_ec2_eip_public_ip_attribute(aws: str, cfn: Any) -> None:
    template = """
Resources:
  Eip:
    Type: AWS::EC2::EIP
    Properties: {Domain: vpc}
Outputs:
  Cidr: {Value: !Join ['', [!GetAtt Eip.PublicIp, /32]]}
"""
    stack = deploy(cfn, "fixes-eip", template)
    address = client("ec2").describe_addresses()["Addresses"][0]["PublicIp"]
    assert outputs(stack) == {"Cidr": f"{address}/32"}
    assert cfn.describe_stacks()["Stacks"]  # the listing resolves it too


def test_ec2_networking_is_deleted_with_its_stack(aws: str, cfn: Any) -> None:
    # What the network blueprint renders for a production VPC: NAT per AZ, S3 gateway
    # endpoint, flow logs.
    template = (REPO / "templates_out/prod/ai-foundry/network.yaml").read_text()
    assert deploy(cfn, "fixes-network", template)["StackStatus"] == "CREATE_COMPLETE"
    ec2 = client("ec2")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    default = default_vpc["Vpcs"][0]["VpcId"]
    assert ec2.describe_nat_gateways()["NatGateways"] and ec2.describe_addresses()["Addresses"]

    cfn.delete_stack(StackName="fixes-network")

    statuses = [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]]
    assert statuses == ["DELETE_COMPLETE"]
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]] == [default]
    assert {t["VpcId"] for t in ec2.describe_route_tables()["RouteTables"]} == {default}
    assert ec2.describe_internet_gateways()["InternetGateways"] == [
        g
        for g in ec2.describe_internet_gateways()["InternetGateways"]
        if any(a["VpcId"] == default for a in g.get("Attachments", []))
    ]
    assert ec2.describe_addresses()["Addresses"] == []
    assert {g["State"] for g in ec2.describe_nat_gateways()["NatGateways"]} == {"deleted"}
    assert ec2.describe_flow_logs()["FlowLogs"] == []


def test_logs_log_group_updates_in_place(aws: str, cfn: Any) -> None:
    template = """
Parameters:
  Days: {Type: Number}
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /fixes/retention, RetentionInDays: !Ref Days}
"""
    deploy(cfn, "fixes-logs", template, {"Days": "7"})
    assert deploy(cfn, "fixes-logs", template, {"Days": "14"})["StackStatus"] == "UPDATE_COMPLETE"
    (group,) = client("logs").describe_log_groups(logGroupNamePrefix="/fixes/retention")[
        "logGroups"
    ]
    assert group["retentionInDays"] == 14
    resource = cfn.describe_stack_resource(StackName="fixes-logs", LogicalResourceId="Logs")
    assert resource["StackResourceDetail"]["PhysicalResourceId"] == "/fixes/retention"


def test_sqs_queue_updates_every_attribute_in_place(aws: str, cfn: Any) -> None:
    template = """
Parameters:
  Seconds: {Type: Number}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: fixes-queue
      DelaySeconds: !Ref Seconds
      MessageRetentionPeriod: 3600
      VisibilityTimeout: !Ref Seconds
"""
    deploy(cfn, "fixes-queue", template, {"Seconds": "5"})
    updated = template.replace("3600", "7200")
    deploy(cfn, "fixes-queue", updated, {"Seconds": "9"})
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="fixes-queue")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (
        attributes["DelaySeconds"],
        attributes["MessageRetentionPeriod"],
        attributes["VisibilityTimeout"],
    ) == ("9", "7200", "9")


# ---------------------------------------------------------------- fixes: bookkeeping


def test_fixes_apply_once_and_name_real_functions() -> None:
    pytest.importorskip("moto.server")
    from moto.cloudformation.models import CloudFormationBackend

    from infragen.emulator import cfn_fixes, fixes

    fixes.apply()
    patched = CloudFormationBackend.execute_change_set
    fixes.apply()
    assert CloudFormationBackend.execute_change_set is patched
    every = (*fixes.FIXES, *cfn_fixes.FIXES)
    names = {fix.__name__ for fix in every}
    assert len(names) == len(every)
    for table in (fixes.FIXED_TYPES, cfn_fixes.FIXED_TYPES):
        assert {n for ns in table.values() for n in ns} <= names
    for fix in every:
        assert "AWS:" in (fix.__doc__ or "") and "moto:" in (fix.__doc__ or ""), fix.__name__


def test_the_moto_pin_is_the_one_the_fixes_are_written_for() -> None:
    moto = pytest.importorskip("moto")
    from infragen.emulator import fixes

    assert moto.__version__ == fixes.MOTO_VERSION
    pyproject = (REPO / "pyproject.toml").read_text()
    pins = re.findall(r'"moto\[server\]==([^"]+)"', pyproject)
    assert pins and set(pins) == {fixes.MOTO_VERSION}


# ---------------------------------------------------------------- server


def test_prepare_registers_infragen_models_in_moto(emulator: Emulator) -> None:
    from moto.cloudformation.parsing import get_model_map

    model = get_model_map()["AWS::AppRunner::Service"]
    assert model.__module__.startswith("infragen.emulator.models")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_are_allowed(host: str) -> None:
    from infragen.emulator.server import check_host

    check_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com", "::"])
def test_other_hosts_are_refused_unless_forced(host: str) -> None:
    from infragen.emulator.server import EmulatorError, check_host

    with pytest.raises(EmulatorError, match="no authentication"):
        check_host(host)
    check_host(host, allow_non_loopback=True)


def test_a_taken_port_is_an_error_not_a_hang(emulator: Emulator) -> None:
    from infragen.emulator.server import EmulatorError, start

    with pytest.raises(EmulatorError, match=f"cannot listen on 127.0.0.1:{emulator.port}"):
        start("127.0.0.1", emulator.port)


def test_create_hosted_zone_with_the_id_templates_name(aws: str, emulator: Emulator) -> None:
    emulator.create_hosted_zone("example.com", "Z0FIXESZONE01")
    zone = client("route53").get_hosted_zone(Id="Z0FIXESZONE01")["HostedZone"]
    assert zone["Name"] == "example.com."


# ---------------------------------------------------------------- `infragen emulator`


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cli_prints_the_export_line_serves_and_stops_cleanly(stop_with: signal.Signals) -> None:
    pytest.importorskip("moto.server")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infragen", "emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()  # type: ignore[union-attr]
    try:
        seen = [lines.get(timeout=60) for _ in range(4)]
        endpoint = f"http://127.0.0.1:{port}"
        assert seen[0].startswith(f"AWS emulator listening on {endpoint}")
        assert f"export AWS_ENDPOINT_URL={endpoint}\n" in [s.strip() + "\n" for s in seen]
        assert any("AWS_ACCESS_KEY_ID=testing" in s for s in seen)
        cfn = boto3.client(
            "cloudformation",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert cfn.list_stacks()["StackSummaries"] == []
        process.send_signal(stop_with)
        assert process.wait(timeout=30) == 0
        assert lines.get(timeout=10).strip() == "AWS emulator stopped"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_cli_refuses_a_non_loopback_host() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0" in result.output
    assert "--allow-non-loopback" in result.output


def test_cli_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from infragen.emulator import server

    monkeypatch.setattr(server, "_prepared", False)
    monkeypatch.setitem(sys.modules, "moto.cloudformation", None)  # as if not installed
    result = CliRunner().invoke(cli, ["emulator", "--port", "0"])
    assert result.exit_code == 2
    assert "pip install 'infragen[emulator]'" in result.output
    assert "Traceback" not in result.output


def test_help_does_not_import_moto() -> None:
    code = (
        "import sys\nfrom infragen.cli import main\nsys.argv = ['infragen', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'moto'], 'moto imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "emulator" in done.stdout


# ---------------------------------------------------------------- README coverage table


def test_readme_coverage_table_is_what_the_code_computes() -> None:
    pytest.importorskip("moto.server")
    from infragen.emulator import coverage

    expected = coverage.markdown(coverage.rows(REPO))
    readme = (REPO / "README.md").read_text()
    assert coverage.current_block(readme) == expected, (
        "README's emulator coverage table is out of date: run "
        "`python -m infragen.emulator.coverage --write README.md`"
    )


def test_coverage_reads_every_type_a_blueprint_renders() -> None:
    pytest.importorskip("moto.server")
    from infragen.emulator import coverage

    table = {row.resource_type: row for row in coverage.rows(REPO)}
    assert table["AWS::EC2::VPC"].emulated_by == coverage.MOTO
    assert table["AWS::AppRunner::Service"].emulated_by == coverage.INFRAGEN
    assert "network" in table["AWS::EC2::VPC"].blueprints
    assert table["AWS::KMS::Key"].fixes == ("kms_key_takes_cloudformation_tags",)
