"""infragen's patches for moto bugs on infragen's default path (moto 5.2.5).

Each fix is one function named after the AWS behaviour it restores, with a docstring
saying what AWS does and what moto does instead; `apply()` runs them all, once. They
patch moto classes in this process only, so they hold for a server started by
`infragen.emulator.server.start()` in the same process. Resource types moto does not
model at all are not fixed here: they are models (`infragen.emulator.models`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Callable
from typing import Any

MOTO_VERSION = "5.2.5"
_APPLIED = "_infragen_fix"


def _patch(owner: Any, name: str, make: Callable[[Any], Any], marker: str = _APPLIED) -> None:
    """Replace owner.name by make(original), unless this fix already did (idempotent).
    owner is a class or a module; the attribute a function, classmethod or property.
    A second fix of an attribute a first one patched passes its own marker (see
    `cfn_fixes`): functools.wraps copies the first one's marker onto its wrapper."""
    original = owner.__dict__[name]
    if getattr(_function_of(original), marker, False):
        return
    replacement = make(original)
    setattr(_function_of(replacement), marker, True)
    setattr(owner, name, replacement)


def _function_of(attribute: Any) -> Any:
    return getattr(attribute, "__func__", None) or getattr(attribute, "fget", None) or attribute


# ------------------------------------------------------------------ CloudFormation


def change_set_execution_sets_outputs() -> None:
    """ExecuteChangeSet leaves the stack as CreateStack/UpdateStack would.

    AWS: executing a change set creates or updates the stack from the change set's
    template, parameters and tags; DescribeStacks then shows the new Outputs (and the
    exports are registered).
    An executed change set is no longer listed: ListChangeSets lists active ones only.
    moto: the stack keeps the OutputMap of the template it had before — for a CREATE the
    empty template of its REVIEW_IN_PROGRESS placeholder — so Outputs are empty (or stale
    after an UPDATE), and an UPDATE keeps the old parameters and tags (infragen's
    fingerprint tag among them). A CREATE also ignores `DependsOn` order, which
    CreateStack respects, and executed change sets stay listed. So a CREATE change set is
    executed the way moto's CreateStack creates a stack, an UPDATE gets its outputs,
    parameters and tags refreshed, and ListChangeSets leaves executed ones out.
    """
    from moto.cloudformation.models import CloudFormationBackend

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def execute_change_set(
            self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
        ) -> None:
            change_set = _find_change_set(self, change_set_name, stack_name)
            stack = self.stacks[change_set.stack_id]
            if change_set.change_set_type == "CREATE":
                _create_stack_from_change_set(self, stack, change_set)
            else:
                original(self, change_set.change_set_id, stack_name)  # by ARN: this one
                _refresh_stack_after_update(self, stack, change_set)

        return execute_change_set

    def make_list(original: Callable[..., Any]) -> Callable[..., Any]:
        # Filtered rather than deleted: other request threads may be iterating the dict.
        @functools.wraps(original)
        def list_change_sets(self: CloudFormationBackend) -> list[Any]:
            listed = list(original(self))
            return [c for c in listed if c.execution_status != "EXECUTE_COMPLETE"]

        return list_change_sets

    _patch(CloudFormationBackend, "execute_change_set", make)
    _patch(CloudFormationBackend, "list_change_sets", make_list)
    _name_the_failing_resource()


def _refresh_stack_after_update(backend: Any, stack: Any, change_set: Any) -> None:
    """What moto's UpdateStack does after updating resources (models.Stack.update): the
    stack's template, parameters, tags, outputs and exports are the change set's."""
    for name, export in list(backend.exports.items()):
        if export.exporting_stack_id == stack.stack_id:
            del backend.exports[name]
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = dict(change_set.parameters)
    if change_set.tags:  # none given: the stack keeps its tags, as with UpdateStack
        stack.tags = dict(change_set.tags)
    stack.output_map = stack._create_output_map()
    for export in stack.exports:
        backend.exports[export.name] = export


def _find_change_set(backend: Any, change_set_name: str, stack_name: str | None) -> Any:
    """By ARN, or by name within the stack (moto's own lookup ignores the stack)."""
    from moto.cloudformation.exceptions import ValidationError

    if change_set_name in backend.change_sets:
        return backend.change_sets[change_set_name]
    for change_set in list(backend.change_sets.values()):  # other threads may add some
        if change_set.change_set_name == change_set_name and stack_name in (
            None,
            change_set.stack_name,
            change_set.stack_id,
        ):
            return change_set
    raise ValidationError(stack_name or change_set_name)


def _create_stack_from_change_set(backend: Any, stack: Any, change_set: Any) -> None:
    """What moto's CreateStack does (models.CloudFormationBackend.create_stack), on the
    placeholder stack the CREATE change set made; a failure rolls it back
    (`_roll_back_create`)."""
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = dict(change_set.parameters)
    stack.tags = dict(change_set.tags or {})
    change_set.execution_status = "EXECUTE_COMPLETE"
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    try:
        stack.resource_map = stack._create_resource_map()
        stack.output_map = stack._create_output_map()
        backend._validate_export_uniqueness(stack)
        stack.create_resources()
        # moto resolves Outputs lazily, on every DescribeStacks: one that cannot be
        # resolved would break the listing of the region, so it fails the create now.
        stack.outputs  # noqa: B018
    except Exception as exc:
        _roll_back_create(stack, exc)
        return
    for export in stack.exports:
        backend.exports[export.name] = export


def _roll_back_create(stack: Any, exc: Exception) -> None:
    """AWS's answer to a resource that cannot be created: the resource's CREATE_FAILED
    event with the reason, then the stack rolls back to ROLLBACK_COMPLETE with no
    resources and no outputs.

    moto raises instead (HTTP 500 on the API call) and leaves the stack
    CREATE_IN_PROGRESS with Outputs naming resources that do not exist, which breaks
    every DescribeStacks listing of the region. Change-set creates and CreateStack
    (`cfn_fixes.a_failed_create_stack_rolls_back`) get this.
    """
    from moto.cloudformation.models import Event
    from moto.cloudformation.parsing import OutputMap

    reason = _failure_reason(exc)
    logical_id, resource_type = getattr(exc, _FAILED_RESOURCE, (stack.name, ""))
    stack.status = "CREATE_FAILED"
    if resource_type:
        failed = Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id="",
            resource_type=resource_type,
            resource_status="CREATE_FAILED",
            resource_status_reason=reason,
            resource_properties=None,
        )
        stack.events.append(failed)
    else:
        stack._add_stack_event("CREATE_FAILED", resource_status_reason=reason)
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    with contextlib.suppress(Exception):  # a half-created resource may not delete: dropped
        stack.resource_map.delete()
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status = "ROLLBACK_COMPLETE"


def _failure_reason(exc: Exception) -> str:
    """A resource's failure reason, on one line, from what moto raised."""
    message = getattr(exc, "message", None)  # moto's API errors carry their own text
    return " ".join(str(message or f"{type(exc).__name__}: {exc}").split())


_FAILED_RESOURCE = "_infragen_failed_resource"


def _name_the_failing_resource() -> None:
    """Remember on an exception which resource (logical id, type) failed to create or
    update: the innermost one, since creating a resource creates those it references
    first."""
    from moto.cloudformation import parsing

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def parse_and_change_resource(
            logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any
        ) -> Any:
            try:
                return original(logical_id, resource_json, *args, **kwargs)
            except Exception as exc:
                if not hasattr(exc, _FAILED_RESOURCE):
                    setattr(exc, _FAILED_RESOURCE, (logical_id, resource_json.get("Type", "")))
                raise

        return parse_and_change_resource

    _patch(parsing, "parse_and_create_resource", make)
    _patch(parsing, "parse_and_update_resource", make)


_CLOUDFORMATION_LOCK = threading.Lock()


def concurrent_stacks_do_not_break_each_other() -> None:
    """Stacks created, updated and deleted at the same time all complete.

    AWS: any number of stack operations run at once. moto: its backends are plain dicts
    and the emulator serves each request on its own thread, so a CreateStack checks the
    stack names while another adds one ("OrderedDict mutated during iteration"), or a
    subnet is created while another stack's VPC adds its network ACL ("dictionary changed
    size during iteration"): HTTP 500, the stack left half-created. Sceptre launching 570
    stacks (bench/deploy.py, ~190 threads) hit it every time. CloudFormation requests
    now run one at a time (the GIL ran them one at a time anyway; a custom resource's
    Lambda answers from its own thread, so nothing waits on itself).
    """
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import BaseResponse

    if "call_action" in CloudFormationResponse.__dict__:  # inherited until this fix
        return
    original = BaseResponse.call_action

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _CLOUDFORMATION_LOCK:
            return original(self)

    CloudFormationResponse.call_action = call_action  # type: ignore[method-assign]


def update_termination_protection_is_implemented() -> None:
    """UpdateTerminationProtection turns a stack's termination protection on or off.

    AWS: implements it; infragen calls it after a change-set deploy of a stack whose
    protection differs from its config, since a change set cannot set it.
    moto: does not implement the action (HTTP 500), so deploying a protected stack with
    change sets fails after the stack was created.
    """
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    if "update_termination_protection" in CloudFormationResponse.__dict__:
        return

    def update_termination_protection(self: Any) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = bool(
            self._get_bool_param("EnableTerminationProtection", False)
        )
        return ActionResult({"StackId": stack.stack_id})

    CloudFormationResponse.update_termination_protection = update_termination_protection  # type: ignore[attr-defined]


def describe_stacks_shows_list_parameters_as_given() -> None:
    """DescribeStacks shows a `List<...>`/`CommaDelimitedList` parameter as the
    comma-separated string it was given.

    AWS: ParameterValue is the text passed in ("subnet-1,subnet-2").
    moto: shows the Python list it parsed it into ("['subnet-1', 'subnet-2']").
    """
    from moto.cloudformation.models import Stack

    def make(original: Any) -> Any:
        getter = original.fget

        @functools.wraps(getter)
        def parameter_list(self: Any) -> list[dict[str, Any]]:
            listed = getter(self)
            for parameter in listed:
                value = parameter["ParameterValue"]
                if isinstance(value, list):
                    parameter["ParameterValue"] = ",".join(str(v) for v in value)
            return listed  # type: ignore[no-any-return]

        return property(parameter_list)

    _patch(Stack, "parameter_list", make)


def getatt_splits_at_the_first_dot() -> None:
    """`!GetAtt Database.Endpoint.Address` names attribute `Endpoint.Address`.

    AWS: the short form's logical id ends at the first dot; the rest is the attribute
    (RDS's `Endpoint.Address`/`Endpoint.Port`, `MasterUserSecret.SecretArn`).
    moto: splits at every dot and asks for attribute `Endpoint`, so the stack fails with
    "does not support attribute type Endpoint".
    """
    from moto.cloudformation import models, responses, utils

    original = utils.yaml_tag_constructor
    if getattr(original, _APPLIED, False):
        return

    def yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
        if tag == "!GetAtt" and isinstance(node.value, str):
            return {"Fn::GetAtt": node.value.split(".", 1)}
        return original(loader, tag, node)

    setattr(yaml_tag_constructor, _APPLIED, True)
    for module in (utils, models, responses):
        module.yaml_tag_constructor = yaml_tag_constructor  # type: ignore[attr-defined]


def getatt_on_an_unmodelled_type_names_the_type() -> None:
    """`Fn::GetAtt` in Outputs on a resource type the emulator does not model fails the
    stack with a reason naming that type.

    AWS: models every type, so this cannot happen there.
    moto: validates Outputs against the type's model class, which is None for a type it
    skips: "'NoneType' object has no attribute 'has_cfn_attr'" (HTTP 500 on CreateStack),
    which names neither the resource nor the type.
    """
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError

    def make(original: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(original)
        def validate_outputs(self: Any) -> None:
            resources = self._template.get("Resources") or {}
            for output in (self._template.get("Outputs") or {}).values():
                value = output.get("Value") if isinstance(output, dict) else None
                if not isinstance(value, dict) or "Fn::GetAtt" not in value:
                    continue
                logical_id, attribute = value["Fn::GetAtt"][:2]
                resource_type = (resources.get(logical_id) or {}).get("Type", "")
                if resource_type and parsing.resource_class_from_type(resource_type) is None:
                    raise ValidationError(
                        message=f"the emulator does not model {resource_type}, so Fn::GetAtt "
                        f"{logical_id}.{attribute} in Outputs has no value (README "
                        "'Emulator coverage')"
                    )
            original(self)

        return validate_outputs

    _patch(parsing.ResourceMap, "validate_outputs", make)


# ------------------------------------------------------------------ resource types


def kms_key_takes_cloudformation_tags() -> None:
    """`AWS::KMS::Key` accepts CloudFormation's `{Key, Value}` tags.

    AWS: every CloudFormation resource takes tags as `{Key, Value}`; the KMS API's own
    shape is `{TagKey, TagValue}`.
    moto: passes the template's tags straight to KMS's CreateKey, which reads `TagKey`:
    KeyError, HTTP 500, and the half-created stack then breaks every DescribeStacks
    listing of its region.
    """
    from moto.kms.models import Key

    def make(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def create_from_cloudformation_json(
            cls: type, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
        ) -> Any:
            properties = cloudformation_json.setdefault("Properties", {})
            properties["Tags"] = [
                {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t
                for t in properties.get("Tags", [])
            ]
            if isinstance(properties.get("KeyPolicy"), dict):
                properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
            return function(cls, resource_name, cloudformation_json, *args, **kwargs)

        return classmethod(create_from_cloudformation_json)

    _patch(Key, "create_from_cloudformation_json", make)


def rds_db_instance_managed_master_password() -> None:
    """`AWS::RDS::DBInstance` with `ManageMasterUserPassword`: RDS makes the secret, and
    `Fn::GetAtt Database.MasterUserSecret.SecretArn` is its ARN.

    AWS: the instance gets a Secrets Manager secret RDS manages, whose ARN is the
    `MasterUserSecret.SecretArn` attribute.
    moto: its RDS API supports managed passwords, but its CloudFormation model ignores
    `ManageMasterUserPassword` and `MasterUserSecret.KmsKeyId`, and rejects the attribute
    ("does not support attribute type MasterUserSecret.SecretArn").
    """
    from moto.rds.models import DBInstance

    attribute = "MasterUserSecret.SecretArn"

    def make_create(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def create_from_cloudformation_json(
            cls: type, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
        ) -> Any:
            database = function(cls, resource_name, cloudformation_json, *args, **kwargs)
            properties = cloudformation_json.get("Properties", {})
            if str(properties.get("ManageMasterUserPassword", "")).lower() == "true":
                secret = properties.get("MasterUserSecret") or {}
                database.update(
                    manage_master_user_password=True,
                    master_user_secret_kms_key_id=secret.get("KmsKeyId"),
                )
            return database

        return classmethod(create_from_cloudformation_json)

    def make_has(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def has_cfn_attr(cls: type, attr: str) -> bool:
            return attr == attribute or bool(function(cls, attr))

        return classmethod(has_cfn_attr)

    def make_get(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
            if attribute_name == attribute:
                return self.master_user_secret.secret_arn
            return original(self, attribute_name)

        return get_cfn_attribute

    _patch(DBInstance, "create_from_cloudformation_json", make_create)
    _patch(DBInstance, "has_cfn_attr", make_has)
    _patch(DBInstance, "get_cfn_attribute", make_get)


def rds_parameter_group_ref_is_its_name() -> None:
    """`Ref` on `AWS::RDS::DBParameterGroup` is the group's name.

    AWS: Ref returns the parameter group name, which a DBInstance's
    `DBParameterGroupName` takes.
    moto: the model has no physical resource id, so Ref yields the Python object and the
    DBInstance create fails ("'DBParameterGroup' object has no attribute 'startswith'").
    """
    from moto.rds.models import DBParameterGroup

    if "physical_resource_id" in DBParameterGroup.__dict__:
        return

    def physical_resource_id(self: Any) -> str:
        return str(self.name)

    DBParameterGroup.physical_resource_id = property(physical_resource_id)  # type: ignore[attr-defined]


def apigateway_mock_integration_needs_no_backend() -> None:
    """`AWS::ApiGateway::Method` with a `MOCK` integration (a CORS preflight) is created.

    AWS: `IntegrationHttpMethod` and `Uri` are required only by integrations that call a
    backend (HTTP, AWS and their proxies); a MOCK integration has neither.
    moto: reads both unconditionally, so the stack fails with KeyError
    'IntegrationHttpMethod'. Missing ones are passed as absent, which moto's own
    PutIntegration accepts for MOCK and rejects for the others, as AWS does.
    """
    from moto.apigateway.models import Method

    def make(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def create_from_cloudformation_json(
            cls: type, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
        ) -> Any:
            integration = cloudformation_json.get("Properties", {}).get("Integration")
            if isinstance(integration, dict):
                integration.setdefault("IntegrationHttpMethod", None)
                integration.setdefault("Uri", None)
            return function(cls, resource_name, cloudformation_json, *args, **kwargs)

        return classmethod(create_from_cloudformation_json)

    _patch(Method, "create_from_cloudformation_json", make)


def ec2_instance_launches_from_its_launch_template() -> None:
    """`AWS::EC2::Instance` with a `LaunchTemplate` and no `ImageId` is created.

    AWS: an instance launched from a launch template takes what it does not set itself
    (ImageId, InstanceType...) from the template version it names.
    moto: reads `ImageId` from the instance's own properties only: KeyError 'ImageId'.
    The missing ImageId and InstanceType are taken from moto's launch template.
    """
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.instances import Instance

    def make(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def create_from_cloudformation_json(
            cls: type,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            properties = cloudformation_json.setdefault("Properties", {})
            reference = properties.get("LaunchTemplate")
            if isinstance(reference, dict) and "ImageId" not in properties:
                ec2 = ec2_backends[account_id][region_name]
                template = (
                    ec2.get_launch_template(reference["LaunchTemplateId"])
                    if reference.get("LaunchTemplateId")
                    else ec2.get_launch_template_by_name(reference["LaunchTemplateName"])
                )
                data = template.get_version(reference.get("Version", "$Default")).data
                for key in ("ImageId", "InstanceType"):
                    if key in data:
                        properties.setdefault(key, data[key])
            return function(
                cls, resource_name, cloudformation_json, account_id, region_name, *args, **kwargs
            )

        return classmethod(create_from_cloudformation_json)

    _patch(Instance, "create_from_cloudformation_json", make)


def ec2_eip_public_ip_attribute() -> None:
    """`Fn::GetAtt NatEip.PublicIp` on `AWS::EC2::EIP` is the address.

    AWS: documents `AllocationId` and `PublicIp`.
    moto: knows only `AllocationId`; `PublicIp` inside an output's `Fn::Join` passes its
    template checks and then fails every DescribeStacks of the region (HTTP 500).
    """
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress

    def make_has(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def has_cfn_attr(cls: type, attr: str) -> bool:
            return attr == "PublicIp" or bool(function(cls, attr))

        return classmethod(has_cfn_attr)

    def make_get(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
            if attribute_name == "PublicIp":
                return self.public_ip
            return original(self, attribute_name)

        return get_cfn_attribute

    _patch(ElasticAddress, "has_cfn_attr", make_has)
    _patch(ElasticAddress, "get_cfn_attribute", make_get)


def ec2_networking_is_deleted_with_its_stack() -> None:
    """DeleteStack on a network stack deletes its routing, gateways and the VPC.

    AWS: deleting a stack deletes every resource it created, dependents first.
    moto: `AWS::EC2::RouteTable`, `Route`, `SubnetRouteTableAssociation`,
    `InternetGateway`, `VPCGatewayAttachment`, `NatGateway`, `EIP`, `VPCEndpoint` and
    `FlowLog` have no delete in its CloudFormation models, so they are silently left
    behind, and the VPC's delete then fails on the leftover route tables
    (`DependencyViolation`), failing the whole DeleteStack. Each gets the delete its EC2
    API already has. A dependency still in place raises DependencyViolation, which
    moto's stack delete retries after the other resources are gone, as AWS orders it.
    """
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    def route_table(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        for key in [k for k in ec2.subnet_associations if k.startswith(f"{self.id}:")]:
            del ec2.subnet_associations[key]
        if self.id in ec2.route_tables:
            ec2.delete_route_table(self.id)

    def route(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        if self.route_table.id in ec2.route_tables:  # else it went with its table
            self.route_table._routes.pop(self.id, None)

    def association(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        ec2.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)

    def gateway_attachment(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        igw = ec2.internet_gateways.get(self.gateway_id)
        if igw is not None and igw.vpc is not None and igw.vpc.id == self.vpc_id:
            ec2.detach_internet_gateway(self.gateway_id, self.vpc_id)
        elif self.gateway_id in ec2.vpn_gateways:
            ec2.detach_vpn_gateway(self.gateway_id, self.vpc_id)

    def internet_gateway(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        if self.id in ec2.internet_gateways:
            ec2.delete_internet_gateway(self.id)

    def nat_gateway(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        if self.id in ec2.nat_gateways:
            ec2.delete_nat_gateway(self.id)  # stays listed as "deleted", as on AWS

    def address(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        if self in ec2.addresses:
            ec2.addresses.remove(self)

    def endpoint(self: Any, account_id: str, region_name: str) -> None:
        ec2 = ec2_backends[account_id][region_name]
        # Its routes went with any route table deleted first (moto deletes in any order).
        tables = getattr(self, "route_table_ids", None) or []
        self.route_table_ids = [t for t in tables if t in ec2.route_tables]
        ec2.delete_vpc_endpoints([self.id])
        ec2.vpc_end_points.pop(self.id, None)

    def flow_log(self: Any, account_id: str, region_name: str) -> None:
        ec2_backends[account_id][region_name].flow_logs.pop(self.id, None)

    for cls, delete in (
        (RouteTable, route_table),
        (Route, route),
        (SubnetRouteTableAssociation, association),
        (VPCGatewayAttachment, gateway_attachment),
        (InternetGateway, internet_gateway),
        (NatGateway, nat_gateway),
        (ElasticAddress, address),
        (VPCEndPoint, endpoint),
        (FlowLogs, flow_log),
    ):
        if "delete" not in cls.__dict__:
            cls.delete = delete  # type: ignore[attr-defined]


def elbv2_load_balancer_attributes() -> None:
    """`Fn::GetAtt` on `AWS::ElasticLoadBalancingV2::LoadBalancer`: every documented
    attribute resolves.

    AWS: `CanonicalHostedZoneID`, `LoadBalancerFullName` and `SecurityGroups` are values.
    moto: declares them but raises NotImplementedError, which CloudFormation's parser
    only logs, leaving the unresolved `{"Fn::GetAtt": [...]}` in the stack's Outputs.
    Values come from moto's own load balancer (its DescribeLoadBalancers answer).
    """
    from moto.elbv2.models import FakeLoadBalancer

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
            if attribute_name == "CanonicalHostedZoneID":
                return self.canonical_hosted_zone_id
            if attribute_name == "LoadBalancerFullName":
                return self.arn.split(":loadbalancer/", 1)[1]
            if attribute_name == "SecurityGroups":
                return list(self.security_groups)
            return original(self, attribute_name)

        return get_cfn_attribute

    _patch(FakeLoadBalancer, "get_cfn_attribute", make)


def logs_log_group_updates_in_place() -> None:
    """An update of `AWS::Logs::LogGroup` (its retention) changes the log group.

    AWS: `RetentionInDays` is updated in place (removing it means "never expire"); a new
    `LogGroupName` replaces the group: the new one is created first, the old one deleted
    once the update succeeded (so a taken new name fails the update, the old group kept).
    moto: the model has no update, so the update is dropped, the stack forgets the
    resource (its physical id reads empty) and the group keeps its old retention.
    """
    from moto.logs.models import LogGroup, logs_backends

    if "update_from_cloudformation_json" in LogGroup.__dict__:
        return

    def update_from_cloudformation_json(
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = cloudformation_json.get("Properties") or {}
        if properties.get("LogGroupName", original_resource.name) != original_resource.name:
            replacement = LogGroup.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return replacement
        backend = logs_backends[account_id][region_name]
        if properties.get("RetentionInDays") is None:
            backend.delete_retention_policy(original_resource.name)
        else:
            backend.put_retention_policy(original_resource.name, properties["RetentionInDays"])
        return original_resource

    LogGroup.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[assignment]


def sqs_queue_updates_every_attribute_in_place() -> None:
    """An update of `AWS::SQS::Queue` changes every attribute it sets, in place.

    AWS: `DelaySeconds`, `MaximumMessageSize`, `MessageRetentionPeriod`,
    `ReceiveMessageWaitTimeSeconds` and `VisibilityTimeout` update without replacement.
    moto: updates only the last two; the others keep their old value, so the queue no
    longer matches its template (a false drift).
    """
    from moto.sqs.models import Queue

    attributes = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod")

    def make(original: Any) -> Any:
        function = original.__func__

        @functools.wraps(function)
        def update_from_cloudformation_json(
            cls: type, original_resource: Any, *args: Any, **kwargs: Any
        ) -> Any:
            queue = function(cls, original_resource, *args, **kwargs)
            properties = kwargs.get("cloudformation_json", {}).get("Properties") or {}
            queue._set_attributes({k: properties[k] for k in attributes if k in properties})
            return queue

        return classmethod(update_from_cloudformation_json)

    _patch(Queue, "update_from_cloudformation_json", make)


FIXES: tuple[Callable[[], None], ...] = (
    change_set_execution_sets_outputs,
    concurrent_stacks_do_not_break_each_other,
    update_termination_protection_is_implemented,
    getatt_splits_at_the_first_dot,
    getatt_on_an_unmodelled_type_names_the_type,
    kms_key_takes_cloudformation_tags,
    rds_db_instance_managed_master_password,
    rds_parameter_group_ref_is_its_name,
    apigateway_mock_integration_needs_no_backend,
    elbv2_load_balancer_attributes,
    ec2_instance_launches_from_its_launch_template,
    ec2_eip_public_ip_attribute,
    ec2_networking_is_deleted_with_its_stack,
    describe_stacks_shows_list_parameters_as_given,
    logs_log_group_updates_in_place,
    sqs_queue_updates_every_attribute_in_place,
)


# Resource types whose moto model a fix corrects, for README's coverage table.
FIXED_TYPES: dict[str, tuple[str, ...]] = {
    "AWS::ApiGateway::Method": ("apigateway_mock_integration_needs_no_backend",),
    "AWS::KMS::Key": ("kms_key_takes_cloudformation_tags",),
    "AWS::Logs::LogGroup": ("logs_log_group_updates_in_place",),
    "AWS::SQS::Queue": ("sqs_queue_updates_every_attribute_in_place",),
    "AWS::RDS::DBInstance": (
        "getatt_splits_at_the_first_dot",
        "rds_db_instance_managed_master_password",
    ),
    "AWS::RDS::DBParameterGroup": ("rds_parameter_group_ref_is_its_name",),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("elbv2_load_balancer_attributes",),
    "AWS::EC2::Instance": ("ec2_instance_launches_from_its_launch_template",),
    "AWS::EC2::EIP": ("ec2_eip_public_ip_attribute", "ec2_networking_is_deleted_with_its_stack"),
    **dict.fromkeys(
        (
            "AWS::EC2::FlowLog",
            "AWS::EC2::InternetGateway",
            "AWS::EC2::NatGateway",
            "AWS::EC2::Route",
            "AWS::EC2::RouteTable",
            "AWS::EC2::SubnetRouteTableAssociation",
            "AWS::EC2::VPCEndpoint",
            "AWS::EC2::VPCGatewayAttachment",
        ),
        ("ec2_networking_is_deleted_with_its_stack",),
    ),
}


def apply() -> None:
    """Apply every fix, then the CloudFormation-API ones of `cfn_fixes` (which wrap some
    of these); safe to call again (each one patches only once)."""
    from infragen.emulator import cfn_fixes

    for fix in (*FIXES, *cfn_fixes.FIXES):
        fix()
