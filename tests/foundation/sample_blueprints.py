"""Small blueprints used by the foundation tests through `module:Class` paths in config."""

from __future__ import annotations

from pydantic import Field
from troposphere import Output, Ref, ssm

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    SecretStr,
    SubnetIdsValue,
    VpcIdValue,
)


class ConsumerVars(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue = Field(default_factory=list)
    image_tag: DeployStr = "latest"
    db_password: SecretStr = ""
    settings: dict[str, DeployStr] = Field(default_factory=dict)


class Consumer(Blueprint):
    """Stores what it was given in SSM parameters, so tests can see where values went."""

    name = "sample-consumer"
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
        self.template.add_output(Output("ParameterName", Value=Ref(param)))
        return self.template


class NotABlueprint:
    pass
