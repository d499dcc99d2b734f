"""Application Auto Scaling, backed by moto's backend (DescribeScalableTargets and
DescribeScalingPolicies show what a stack registered).

moto checks what AWS checks at registration: an ECS target's service must exist.
"""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import (
    ApplicationAutoscalingBackend,
    applicationautoscaling_backends,
)
from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> ApplicationAutoscalingBackend:
    return applicationautoscaling_backends[resource.account_id][resource.region_name]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class ScalableTarget(EmulatedResource, CloudFormationModel):
    """AWS::ApplicationAutoScaling::ScalableTarget: a registered moto target; Ref and Id are
    CloudFormation's `<ResourceId>|<ScalableDimension>|<ServiceNamespace>`. Capacities and
    suspended state update in place. ScheduledActions are not emulated."""

    TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"
    ATTRIBUTES = frozenset({"Id"})
    CREATE_ONLY = ("ResourceId", "ScalableDimension", "ServiceNamespace")

    def _register(self) -> None:
        _backend(self).register_scalable_target(
            namespace=self.prop("ServiceNamespace"),
            r_id=self.prop("ResourceId"),
            dimension=self.prop("ScalableDimension"),
            min_capacity=_int(self.prop("MinCapacity")),
            max_capacity=_int(self.prop("MaxCapacity")),
            role_arn=self.prop("RoleARN", ""),
            suspended_state=self.prop("SuspendedState"),
        )

    def on_create(self) -> None:
        self._register()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._register()

    def on_delete(self) -> None:
        backend = _backend(self)
        if backend._scalable_target_exists(self.prop("ResourceId"), self.prop("ScalableDimension")):
            backend.deregister_scalable_target(
                self.prop("ServiceNamespace"),
                self.prop("ResourceId"),
                self.prop("ScalableDimension"),
            )

    def ref(self) -> str:
        return "|".join(
            (self.prop("ResourceId"), self.prop("ScalableDimension"), self.prop("ServiceNamespace"))
        )

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.ref()}


class ScalingPolicy(EmulatedResource, CloudFormationModel):
    """AWS::ApplicationAutoScaling::ScalingPolicy: a moto policy (target tracking or step);
    Ref and Arn are its ARN. The target comes from ScalingTargetId (a ScalableTarget's Ref)
    or from ResourceId/ScalableDimension/ServiceNamespace."""

    TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"
    ATTRIBUTES = frozenset({"Arn"})
    CREATE_ONLY = (
        "PolicyName",
        "ServiceNamespace",
        "ResourceId",
        "ScalableDimension",
        "ScalingTargetId",
    )

    def _target(self) -> tuple[str, str, str]:
        """(namespace, resource id, dimension)."""
        if self.prop("ScalingTargetId"):
            resource_id, dimension, namespace = str(self.prop("ScalingTargetId")).split("|")
            return namespace, resource_id, dimension
        return (
            self.prop("ServiceNamespace"),
            self.prop("ResourceId"),
            self.prop("ScalableDimension"),
        )

    def _put(self) -> None:
        namespace, resource_id, dimension = self._target()
        policy_type = self.prop("PolicyType")
        body_key = {
            "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
            "StepScaling": "StepScalingPolicyConfiguration",
        }.get(policy_type, "")
        policy = _backend(self).put_scaling_policy(
            policy_name=self.prop("PolicyName", self.name),
            service_namespace=namespace,
            resource_id=resource_id,
            scalable_dimension=dimension,
            policy_body=self.prop(body_key, {}),
            policy_type=policy_type,
        )
        self.policy_arn = policy.policy_arn

    def on_create(self) -> None:
        self._put()

    def on_update(self, previous: dict[str, Any]) -> None:
        # PutScalingPolicy on an existing policy keeps its ARN on AWS; moto mints a new one.
        arn = self.policy_arn
        self._put()
        for policy in _backend(self).policies.values():
            if policy.policy_arn == self.policy_arn:
                policy.policy_arn = self.policy_arn = arn

    def on_delete(self) -> None:
        namespace, resource_id, dimension = self._target()
        name = self.prop("PolicyName", self.name)
        backend = _backend(self)
        if any(p.policy_arn == self.policy_arn for p in backend.policies.values()):
            backend.delete_scaling_policy(name, namespace, resource_id, dimension)

    def ref(self) -> str:
        return self.policy_arn

    def attributes(self) -> dict[str, Any]:
        return {"Arn": self.policy_arn}
