"""Render a LintReport as text (clickable `path:line:col`), JSON or SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Any

from infragen.lint.runner import LintReport, finding_dict

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "informational": "note"}
CFN_LINT_RULES_URL = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md"


def render(report: LintReport, fmt: str = "text") -> str:
    """The report in one of FORMATS."""
    if fmt == "json":
        return format_json(report)
    if fmt == "sarif":
        return format_sarif(report)
    return format_text(report)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_text(report: LintReport) -> str:
    """`path:line:col: RULE message` lines grouped per file, a count per file, a summary."""
    lines: list[str] = []
    grouped = report.by_file()
    for file, findings in grouped.items():
        lines.extend(f"{f.location()}: {f.rule} {f.message}" for f in findings)
        lines.append(f"  {_plural(len(findings), 'finding')} in {file}")
        lines.append("")
    counts = ", ".join(
        _plural(report.count(s), s) if s != "informational" else f"{report.count(s)} informational"
        for s in ("error", "warning", "informational")
    )
    total = len(report.files)
    lines.append(
        f"{_plural(len(report.findings), 'finding')} ({counts}) in {len(grouped)} of "
        f"{_plural(total, 'template')}; linted {report.linted}, from cache {report.cached}"
        + (f", same as a linted one {report.identical}" if report.identical else "")
        + (" (by the lint server)" if report.by_server else "")
    )
    return "\n".join(lines)


def format_json(report: LintReport) -> str:
    """A JSON list of findings: file, line, col, end_line, end_col, rule, severity, message."""
    return json.dumps([finding_dict(f) for f in report.findings], indent=2)


def _rule_metadata(rule_id: str) -> dict[str, Any]:
    """shortdesc/description/url of a rule, from cfn-lint's loaded collection when available."""
    try:
        from infragen.lint.runner import engine

        rule = engine().rules.get(rule_id)
    except Exception:  # metadata is decoration; a report must never fail on it
        rule = None
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    meta: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": rule.shortdesc or rule_id},
        "fullDescription": {"text": rule.description or rule.shortdesc or rule_id},
        "helpUri": rule.source_url or CFN_LINT_RULES_URL,
        "properties": {"tags": list(rule.tags)},
    }
    return meta


def format_sarif(report: LintReport) -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it (one run, rules listed, relative URIs)."""
    rule_ids = sorted({f.rule for f in report.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = []
    for f in report.findings:
        region = {"startLine": max(f.line, 1), "startColumn": max(f.col, 1)}
        if f.end_line >= f.line and f.end_line > 0:
            region["endLine"] = f.end_line
            if f.end_col > 0 and (f.end_line > f.line or f.end_col > f.col):
                region["endColumn"] = f.end_col
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": SARIF_LEVELS.get(f.severity, "warning"),
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
            }
        )
    from infragen import __version__

    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "infragen-lint",
                        "version": __version__,
                        "informationUri": CFN_LINT_RULES_URL,
                        "rules": [_rule_metadata(rule_id) for rule_id in rule_ids],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2)
