"""CloudWatch alarms: one builder for plain-metric and metric-math alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm a blueprint offers, as data: which metric, how aggregated, when it fires.

    `threshold_var` names the field of the blueprint's alarm settings that holds the
    threshold (unset: no alarm). `description` is formatted with `subject`, `threshold`,
    `minutes` and any extra values the blueprint passes. `scale` turns the configured unit
    into the metric's (GB -> bytes).
    """

    logical_id: str
    metric: str
    statistic: str
    threshold_var: str
    description: str
    comparison: str = ">"
    scale: float = 1
    period: int | None = None  # None: the period the blueprint passes
    evaluation_periods_var: str | None = None  # a settings field; None: one period
    # Alarm on `100 * metric / ratio_of` (both summed) instead of the metric itself: an
    # error *rate*, which stays meaningful as traffic grows.
    ratio_of: str | None = None
    ratio_label: str = ""


def add_alarms(
    template: Template,
    specs: Sequence[AlarmSpec],
    settings: Any,
    *,
    subject: str,
    namespace: str,
    dimensions: dict[str, Any],
    period: int = 300,
    topic: Any = None,
    **extra: Any,
) -> list[cloudwatch.Alarm]:
    """The alarms of `specs` whose threshold `settings` sets; they notify `topic` (the env's
    `alarm_topic`) and the settings' own `actions`."""
    actions = [*([topic] if topic is not None else []), *getattr(settings, "actions", [])]
    built = []
    for spec in specs:
        threshold = getattr(settings, spec.threshold_var)
        if threshold is None:
            continue
        spec_period = spec.period or period
        evaluations = (
            getattr(settings, spec.evaluation_periods_var) if spec.evaluation_periods_var else 1
        )
        description = spec.description.format(
            subject=subject,
            threshold=threshold,
            minutes=spec_period * evaluations // 60,
            **extra,
        )
        measure: dict[str, Any] = {
            "namespace": namespace,
            "metric": spec.metric,
            "dimensions": dimensions,
            "statistic": spec.statistic,
            "period": spec_period,
        }
        if spec.ratio_of is not None:
            measure = {"metrics": _ratio(spec, namespace, dimensions, spec_period)}
        built.append(
            alarm(
                template,
                spec.logical_id,
                description=description,
                comparison=spec.comparison,
                threshold=threshold * spec.scale,
                evaluation_periods=evaluations,
                actions=actions,
                **measure,
            )
        )
    return built


def _ratio(
    spec: AlarmSpec, namespace: str, dimensions: dict[str, Any], period: int
) -> list[cloudwatch.MetricDataQuery]:
    def summed(query_id: str, name: str) -> cloudwatch.MetricDataQuery:
        return cloudwatch.MetricDataQuery(
            Id=query_id,
            ReturnData=False,
            MetricStat=cloudwatch.MetricStat(
                Metric=cloudwatch.Metric(
                    Namespace=namespace,
                    MetricName=name,
                    Dimensions=[
                        cloudwatch.MetricDimension(Name=k, Value=v) for k, v in dimensions.items()
                    ],
                ),
                Period=period,
                Stat="Sum",
            ),
        )

    assert spec.ratio_of is not None
    return [
        summed("errors", spec.metric),
        summed("requests", spec.ratio_of),
        cloudwatch.MetricDataQuery(
            Id="rate",
            Label=spec.ratio_label,
            Expression="IF(requests > 0, 100 * errors / requests, 0)",
            ReturnData=True,
        ),
    ]
