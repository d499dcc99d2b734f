"""W9501: log groups expire their events."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import is_set


class LogGroupRetention(CloudFormationLintRule):
    id = "W9501"
    shortdesc = "Log groups set RetentionInDays"
    description = (
        "AWS::Logs::LogGroup without RetentionInDays keeps events forever (and bills for them). "
        "Set the retention the environment's config asks for."
    )
    source_url = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention"
    tags = ["infragen", "logs", "cost"]

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", name],
                f"{name}: set RetentionInDays (e.g. 30) on the log group",
            )
            for name, resource in cfn.get_resources(["AWS::Logs::LogGroup"]).items()
            if not is_set((resource.get("Properties") or {}).get("RetentionInDays"))
        ]
