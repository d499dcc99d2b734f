"""CloudWatch alarms: one builder for plain-metric and metric-math alarms."""

from __future__ import annotations

from typing import Any

from troposphere import Template, cloudwatch

COMPARISONS = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}


def alarm(
    template: Template,
    logical_id: str,
    *,
    description: str,
    threshold: float,
    comparison: str = ">",
    namespace: str | None = None,
    metric: str | None = None,
    dimensions: dict[str, Any] | None = None,
    statistic: str = "Sum",
    period: int = 300,
    evaluation_periods: int = 1,
    metrics: list[cloudwatch.MetricDataQuery] | None = None,
    actions: list[Any] = (),  # type: ignore[assignment]
    treat_missing_data: str = "notBreaching",
) -> cloudwatch.Alarm:
    """`statistic` may be a percentile such as p99; `metrics` switches to metric math."""
    props: dict[str, Any] = {
        "AlarmDescription": description,
        "ComparisonOperator": COMPARISONS[comparison],
        "Threshold": threshold,
        "EvaluationPeriods": evaluation_periods,
        "TreatMissingData": treat_missing_data,
    }
    if metrics:
        props["Metrics"] = metrics
    else:
        if namespace is None or metric is None:
            raise ValueError(f"{logical_id}: give namespace and metric, or metrics")
        props.update(Namespace=namespace, MetricName=metric, Period=period)
        if statistic.startswith("p"):
            props["ExtendedStatistic"] = statistic
        else:
            props["Statistic"] = statistic
        if dimensions:
            props["Dimensions"] = [
                cloudwatch.MetricDimension(Name=k, Value=v) for k, v in dimensions.items()
            ]
    if actions:
        props["AlarmActions"] = list(actions)
    return template.add_resource(cloudwatch.Alarm(logical_id, **props))
