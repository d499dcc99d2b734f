"""Small blueprints used by the foundation tests through `module:Class` paths in config."""

from __future__ import annotations

from pydantic import Field
from troposphere import Ref, ecs, ssm

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    SecretStr,
    SubnetIdsValue,
    VpcIdValue,
)
from infragen.blueprints.checked import Checked, build_property


class ConsumerVars(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue = Field(default_factory=list)
    image_tag: DeployStr = "latest"
    db_password: SecretStr = ""
    settings: dict[str, DeployStr] = Field(default_factory=dict)


class Consumer(Blueprint):
    """Stores what it was given in SSM parameters, so tests can see where values went."""

    Vars = ConsumerVars
    outputs = {"ParameterName": "Name of the SSM parameter holding the VPC id"}

    def build(self):
        v = self.vars
        param = self.template.add_resource(
            ssm.Parameter("VpcParameter", Type="String", Value=v.vpc_id)
        )
        for key, value in sorted(v.settings.items()):
            self.template.add_resource(
                ssm.Parameter(f"Setting{key.capitalize()}", Type="String", Value=value)
            )
        self.output("ParameterName", Ref(param))
        return self.template


class ContainerVars(BlueprintVars):
    container: Checked(ecs.ContainerDefinition)  # type: ignore[valid-type]


class Container(Blueprint):
    """A task definition whose one container is written with CloudFormation's own keys."""

    Vars = ContainerVars

    def build(self):
        self.template.add_resource(
            ecs.TaskDefinition(
                "Task",
                RequiresCompatibilities=["FARGATE"],
                NetworkMode="awsvpc",
                Cpu="256",
                Memory="512",
                ContainerDefinitions=[build_property(ecs.ContainerDefinition, self.vars.container)],
            )
        )
        return self.template


class NotABlueprint:
    pass


class SettingsVars(BlueprintVars):
    settings: dict[str, DeployStr] = Field(default_factory=dict)


class Settings(Blueprint):
    """One Parameter per setting, named after its key: the vehicle for the secret-name tests
    (tests/foundation/test_facts.py), free of any blueprint's own refusals."""

    Vars = SettingsVars

    def build(self):
        for index, key in enumerate(sorted(self.vars.settings)):
            self.template.add_resource(
                ssm.Parameter(f"Setting{index}", Type="String", Value=self.vars.settings[key])
            )
        return self.template
