"""cfn-lint, as a library, finds no error or warning in either app's templates as rendered now."""

from __future__ import annotations

import pytest

from blueprints.support import rendered

APPS = ("cat-detector/", "jobs-api/")
CASES = [
    (env, sid)
    for env in ("dev", "staging", "prod")
    for sid in rendered()[env]["bodies"]
    if sid.startswith(APPS)
]


@pytest.mark.parametrize(("env", "sid"), CASES, ids=[f"{e}/{s}" for e, s in CASES])
def test_cfn_lint_finds_nothing(env: str, sid: str) -> None:
    from cfnlint.api import lint

    findings = [
        m
        for m in lint(rendered()[env]["bodies"][sid], regions=["us-east-1"])
        if m.rule.id[0] in "EW"
    ]
    assert findings == [], "\n".join(
        f"{m.rule.id} {m.message} (line {m.linenumber})" for m in findings
    )


def test_both_apps_are_covered() -> None:
    stacks = {sid for _, sid in CASES}
    assert len([s for s in stacks if s.startswith("jobs-api/")]) == 11  # authorizer, waf
    assert len([s for s in stacks if s.startswith("cat-detector/")]) == 7
