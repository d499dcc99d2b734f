"""One EC2 instance in a private subnet: IMDSv2 only, encrypted root volume, own group, no
public IP, and an instance profile with a least-privilege role."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from troposphere import Base64, GetAtt, Ref, Select, ec2, iam

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployTagValue,
    Param,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.helpers.policy import Permission, managed_policy_arn, statements
from infragen.blueprints.helpers.role import service_role
from infragen.blueprints.helpers.rule_vars import (
    PrivateRuleVars,
    RuleVars,
    internet_in_pieces,
    internet_message,
)
from infragen.blueprints.helpers.security_group import security_group

# e.g. `!ssm /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`
ImageIdValue = Annotated[str | DeployTagValue, Param("AWS::EC2::Image::Id")]


class Ec2InstanceVars(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    subnet_index: int = Field(default=0, ge=0, le=5)  # which of subnet_ids (AZ order)
    image_id: ImageIdValue
    instance_type: str = Field(default="t3.micro", pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
    root_volume_gb: int = Field(default=8, ge=8, le=16384)
    ingress: list[PrivateRuleVars] = Field(default_factory=list)
    egress: list[RuleVars] = Field(default_factory=list)
    policy: list[Permission] = Field(default_factory=list)
    managed_policies: list[str] = Field(default_factory=list)
    user_data: str | None = None

    @field_validator("ingress")
    @classmethod
    def _no_world_ingress(cls, rules: list[PrivateRuleVars]) -> list[PrivateRuleVars]:
        found = internet_in_pieces(rules)
        if found is not None:
            index, merged = found
            message = internet_message(str(rules[index].cidr), merged)
            raise VarError(f"a private instance takes none: {message}", index, "cidr")
        return rules


class Ec2Instance(Blueprint):
    description = "Private EC2 instance: IMDSv2, encrypted root volume, own SG, instance profile"
    Vars = Ec2InstanceVars
    outputs = {
        "InstanceId": "Id of the instance",
        "PrivateIp": "Private IPv4 address",
        "SecurityGroupId": "The instance's security group",
        "RoleArn": "ARN of the instance role",
    }
    vars: Ec2InstanceVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(f"{self.context.stack_id}: private {v.instance_type} instance")
        sg = security_group(
            t,
            "SecurityGroup",
            description=f"{self.context.stack_id} instance",
            vpc_id=v.vpc_id,
            ingress=[r.rule() for r in v.ingress],
            egress=[r.rule() for r in v.egress],
        )
        role = service_role(
            t,
            "Role",
            services=["ec2.amazonaws.com"],
            statements=statements(v.policy, self.context),
            managed_policy_arns=[managed_policy_arn(m) for m in v.managed_policies],
            description=f"{self.context.stack_id} instance role",
        )
        profile = t.add_resource(iam.InstanceProfile("InstanceProfile", Roles=[Ref(role)]))
        template = t.add_resource(
            ec2.LaunchTemplate(
                "LaunchTemplate",
                LaunchTemplateName=self.context.physical_name(),
                LaunchTemplateData=self._launch_data(profile, sg),
            )
        )
        instance = t.add_resource(
            ec2.Instance(
                "Instance",
                LaunchTemplate=ec2.LaunchTemplateSpecification(
                    LaunchTemplateId=Ref(template),
                    Version=GetAtt(template, "LatestVersionNumber"),
                ),
            )
        )
        self.output("InstanceId", Ref(instance))
        self.output("PrivateIp", GetAtt(instance, "PrivateIp"))
        self.output("SecurityGroupId", GetAtt(sg, "GroupId"))
        self.output("RoleArn", GetAtt(role, "Arn"))
        return t

    def _launch_data(self, profile: Any, sg: Any) -> ec2.LaunchTemplateData:
        """IMDSv2 only, an encrypted gp3 root volume, no public address."""
        v = self.vars
        data = ec2.LaunchTemplateData(
            ImageId=v.image_id,
            InstanceType=v.instance_type,
            IamInstanceProfile=ec2.IamInstanceProfile(Arn=GetAtt(profile, "Arn")),
            # IMDSv2 only: tokens required, one hop so containers cannot reach it.
            MetadataOptions=ec2.MetadataOptions(
                HttpTokens="required", HttpPutResponseHopLimit=1, HttpEndpoint="enabled"
            ),
            BlockDeviceMappings=[
                ec2.LaunchTemplateBlockDeviceMapping(
                    DeviceName="/dev/xvda",
                    Ebs=ec2.EBSBlockDevice(
                        VolumeSize=v.root_volume_gb,
                        VolumeType="gp3",
                        Encrypted=True,
                        DeleteOnTermination=True,
                    ),
                )
            ],
            NetworkInterfaces=[
                ec2.NetworkInterfaces(
                    DeviceIndex=0,
                    AssociatePublicIpAddress=False,
                    SubnetId=Select(v.subnet_index, v.subnet_ids),
                    Groups=[GetAtt(sg, "GroupId")],
                )
            ],
        )
        if v.user_data:
            data.UserData = Base64(v.user_data)
        return data
