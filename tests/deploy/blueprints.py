"""Tiny blueprints for the deploy tests, referenced from config as `deploy.blueprints:Class`.

They use only resource types the emulator models (EC2 security groups, SNS, SQS, Logs), so
what the tests see is what the emulator really did.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Tags, Template, ec2, logs, sns, sqs

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    SecretStr,
    VpcIdValue,
)


class GroupVars(BlueprintVars):
    vpc_id: VpcIdValue
    label: str = "one"


class SecurityGroupStack(Blueprint):
    """A security group in a VPC given by `!stack_output`; echoes the VPC id it got."""

    Vars = GroupVars
    outputs = {"SecurityGroupId": "the group", "VpcId": "the VPC id this stack was given"}

    def build(self) -> Template:
        group = self.template.add_resource(
            ec2.SecurityGroup(
                "Group", GroupDescription=f"infragen test {self.vars.label}", VpcId=self.vars.vpc_id
            )
        )
        self.output("SecurityGroupId", GetAtt(group, "GroupId"))
        self.output("VpcId", self.vars.vpc_id)
        return self.template


class TopicVars(BlueprintVars):
    label: str = "one"


class Topic(Blueprint):
    """One SNS topic: cheap to create and delete in the emulator."""

    Vars = TopicVars
    outputs = {"TopicArn": "the topic"}

    def build(self) -> Template:
        topic = self.template.add_resource(sns.Topic("Topic", DisplayName=self.vars.label))
        self.output("TopicArn", Ref(topic))
        return self.template


class QueueVars(BlueprintVars):
    topic_arn: DeployStr
    label: str = "one"


class Queue(Blueprint):
    """An SQS queue tagged with a topic ARN from `!stack_output`; echoes the ARN it got."""

    Vars = QueueVars
    outputs = {"QueueUrl": "the queue", "TopicArn": "the topic ARN this stack was given"}

    def build(self) -> Template:
        queue = self.template.add_resource(
            sqs.Queue(
                "Queue",
                Tags=Tags(label=self.vars.label, topic=self.vars.topic_arn),
            )
        )
        self.output("QueueUrl", Ref(queue))
        self.output("TopicArn", self.vars.topic_arn)
        return self.template


class LogStoreVars(BlueprintVars):
    log_group_name: str
    retention_days: int = 7


class LogStore(Blueprint):
    """A named log group: stateful, and fails to create when the name is taken."""

    Vars = LogStoreVars
    outputs = {"LogGroupName": "the log group"}

    def build(self) -> Template:
        group = self.template.add_resource(
            logs.LogGroup(
                "LogGroup",
                LogGroupName=self.vars.log_group_name,
                RetentionInDays=self.vars.retention_days,
            )
        )
        self.output("LogGroupName", Ref(group))
        return self.template


class ManyTopicsVars(BlueprintVars):
    count: int = 300


class ManyTopics(Blueprint):
    """Enough topics to push the template over CloudFormation's 51,200-byte inline limit."""

    Vars = ManyTopicsVars
    outputs = {"FirstTopicArn": "the first topic"}

    def build(self) -> Template:
        for index in range(self.vars.count):
            self.template.add_resource(
                sns.Topic(f"Topic{index:04d}", DisplayName=f"topic number {index}")
            )
        self.output("FirstTopicArn", Ref("Topic0000"))
        return self.template


class SecretTopicVars(BlueprintVars):
    signing_secret: SecretStr
    label: str = "one"


class SecretTopic(Blueprint):
    """A topic beside a NoEcho Parameter (`!env`, unused by the resources): a value diff and
    drift must never print."""

    Vars = SecretTopicVars
    outputs = {"TopicArn": "the topic"}

    def build(self) -> Template:
        topic = self.template.add_resource(sns.Topic("Topic", DisplayName=self.vars.label))
        self.output("TopicArn", Ref(topic))
        return self.template


class AlarmedQueueVars(BlueprintVars):
    depth_threshold: int | None = 100
    age_threshold: int | None = 600


class AlarmedQueue(Blueprint):
    """A queue with two alarms made from the shared alarm specs, as real blueprints do."""

    Vars = AlarmedQueueVars
    outputs = {"QueueUrl": "the queue"}

    def build(self) -> Template:
        from infragen.blueprints.helpers.alarm import AlarmSpec

        queue = self.template.add_resource(sqs.Queue("Queue"))
        specs = [
            AlarmSpec(
                "DepthAlarm",
                "ApproximateNumberOfMessagesVisible",
                "Maximum",
                "depth_threshold",
                "{subject}: more than {threshold} messages",
            ),
            AlarmSpec(
                "AgeAlarm",
                "ApproximateAgeOfOldestMessage",
                "Maximum",
                "age_threshold",
                "{subject}: a message older than {threshold} s",
            ),
        ]
        self.add_alarms(
            specs,
            self.vars,
            namespace="AWS/SQS",
            dimensions={"QueueName": GetAtt(queue, "QueueName")},
        )
        self.output("QueueUrl", Ref(queue))
        return self.template
