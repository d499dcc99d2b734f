"""Amazon CloudWatch alarms, backed by moto's CloudWatch backend (DescribeAlarms shows them)."""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import (
    CloudWatchBackend,
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import EmulatedResource, truthy


def _backend(resource: EmulatedResource) -> CloudWatchBackend:
    return cloudwatch_backends[resource.account_id][resource.region_name]


def _queries(metrics: list[dict[str, Any]]) -> list[MetricDataQuery] | None:
    """CloudFormation's Metrics (metric math) in moto's shape."""
    if not metrics:
        return None
    queries = []
    for metric in metrics:
        stat = metric.get("MetricStat") or {}
        inner = stat.get("Metric") or {}
        metric_stat = None
        if inner.get("MetricName"):
            dimensions = [
                Dimension(d.get("Name"), d.get("Value")) for d in inner.get("Dimensions", [])
            ]
            metric_stat = MetricStat(
                metric=Metric(inner["MetricName"], inner.get("Namespace"), dimensions),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=metric.get("Id"),
                label=metric.get("Label"),
                period=metric.get("Period"),
                return_data=metric.get("ReturnData"),
                expression=metric.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


class Alarm(EmulatedResource, CloudFormationModel):
    """AWS::CloudWatch::Alarm: a moto metric alarm (single metric or metric math); Ref is
    its name, Arn its ARN. Every property but the name updates in place."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = frozenset({"Arn"})
    CREATE_ONLY = ("AlarmName",)

    def _put(self) -> None:
        self.alarm_arn = (
            _backend(self)
            .put_metric_alarm(
                name=self.name,
                namespace=self.prop("Namespace"),
                metric_name=self.prop("MetricName"),
                comparison_operator=self.prop("ComparisonOperator"),
                evaluation_periods=self.prop("EvaluationPeriods"),
                period=self.prop("Period"),
                threshold=self.prop("Threshold"),
                statistic=self.prop("Statistic"),
                description=self.prop("AlarmDescription"),
                dimensions=list(self.prop("Dimensions", [])),
                alarm_actions=list(self.prop("AlarmActions", [])),
                metric_data_queries=_queries(self.prop("Metrics", [])),
                datapoints_to_alarm=self.prop("DatapointsToAlarm"),
                extended_statistic=self.prop("ExtendedStatistic"),
                ok_actions=list(self.prop("OKActions", [])),
                insufficient_data_actions=list(self.prop("InsufficientDataActions", [])),
                unit=self.prop("Unit"),
                actions_enabled=truthy(self.prop("ActionsEnabled", True)),
                treat_missing_data=self.prop("TreatMissingData"),
                evaluate_low_sample_count_percentile=self.prop("EvaluateLowSampleCountPercentile"),
                threshold_metric_id=self.prop("ThresholdMetricId"),
                tags=[{"Key": k, "Value": v} for k, v in self.tags.items()],
            )
            .alarm_arn
        )

    def on_create(self) -> None:
        self._put()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._put()

    def on_delete(self) -> None:
        _backend(self).delete_alarms([self.name])

    def ref(self) -> str:
        return self.name

    def attributes(self) -> dict[str, Any]:
        return {"Arn": self.alarm_arn}
