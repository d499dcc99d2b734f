"""An estimate (and optionally its delta against a baseline) as text, Markdown or JSON."""

from __future__ import annotations

import html
import json

from infragen.cost.model import EnvCost


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}${abs(value):,.2f}"


def stack_deltas(cost: EnvCost, base: EnvCost) -> list[tuple[str, float, float]]:
    """(stack, before, after) for every stack whose monthly total changed, added or removed."""
    before = {stack.stack: stack.total for stack in base.stacks}
    after = {stack.stack: stack.total for stack in cost.stacks}
    rows = []
    for sid in sorted(before.keys() | after.keys()):
        old, new = before.get(sid, 0.0), after.get(sid, 0.0)
        if round(old, 2) != round(new, 2) or (sid in before) != (sid in after):
            rows.append((sid, old, new))
    return rows


def render(cost: EnvCost, fmt: str, base: EnvCost | None = None) -> str:
    if fmt == "json":
        return _json(cost, base)
    if fmt == "markdown":
        return _markdown(cost, base)
    return _text(cost, base)


def _footer(cost: EnvCost) -> str:
    return f"prices: {cost.region}, {cost.as_of} ({cost.source})"


def _text(cost: EnvCost, base: EnvCost | None) -> str:
    lines = [f"Monthly estimate for {cost.env} ({cost.region})", ""]
    width = max((len(stack.stack) for stack in cost.stacks), default=10)
    for app, total in cost.by_app().items():
        lines.append(f"{app:<{width}}  {_money(total):>12}")
        for stack in cost.stacks:
            if stack.app == app and round(stack.total, 2) > 0:
                lines.append(f"  {stack.stack:<{width - 2}}  {_money(stack.total):>12}")
    lines.append(f"{'total':<{width}}  {_money(cost.total):>12}")
    missing = cost.not_estimated()
    if missing:
        lines += ["", f"not estimated ({len(missing)}):"]
        lines += [f"  {sid} {m.logical_id} ({m.type}): {m.reason}" for sid, m in missing]
    if base is not None:
        lines += ["", f"delta against the baseline: {_signed(cost.total - base.total)}/month"]
        for sid, old, new in stack_deltas(cost, base):
            lines.append(f"  {sid}: {_money(old)} -> {_money(new)} ({_signed(new - old)})")
    lines += ["", _footer(cost)]
    return "\n".join(lines)


def _markdown(cost: EnvCost, base: EnvCost | None) -> str:
    lines = [f"### Monthly cost estimate: `{cost.env}`", ""]
    if base is not None:
        delta = cost.total - base.total
        lines += [
            f"**{_money(cost.total)}/month** ({_signed(delta)} against the baseline, "
            f"which was {_money(base.total)})",
            "",
        ]
        rows = stack_deltas(cost, base)
        if rows:
            lines += ["| Stack | Before | After | Delta |", "|---|---:|---:|---:|"]
            lines += [
                f"| `{sid}` | {_money(old)} | {_money(new)} | {_signed(new - old)} |"
                for sid, old, new in rows
            ]
            lines.append("")
    lines += ["| App | Monthly |", "|---|---:|"]
    lines += [f"| {app} | {_money(total)} |" for app, total in cost.by_app().items()]
    lines += [f"| **total** | **{_money(cost.total)}** |", ""]
    missing = cost.not_estimated()
    if missing:
        lines.append(f"Not estimated ({len(missing)}):")
        lines += [f"- `{sid}` {m.logical_id} ({m.type}): {m.reason}" for sid, m in missing]
        lines.append("")
    # Inside <sub>, GitHub would take the source's `<service>` for a tag and drop it.
    lines.append(f"<sub>{html.escape(_footer(cost), quote=False)}</sub>")
    return "\n".join(lines)


def _json(cost: EnvCost, base: EnvCost | None) -> str:
    document: dict[str, object] = {
        "env": cost.env,
        "region": cost.region,
        "prices_as_of": cost.as_of,
        "prices_source": cost.source,
        "total": round(cost.total, 2),
        "apps": {app: round(total, 2) for app, total in cost.by_app().items()},
        "stacks": [
            {
                "stack": stack.stack,
                "total": round(stack.total, 2),
                "items": [
                    {
                        "logical_id": item.logical_id,
                        "type": item.type,
                        "category": item.category,
                        "what": item.what,
                        "monthly": round(item.monthly, 2),
                    }
                    for item in stack.items
                ],
                "not_estimated": [
                    {"logical_id": m.logical_id, "type": m.type, "reason": m.reason}
                    for m in stack.not_estimated
                ],
            }
            for stack in cost.stacks
        ],
    }
    if base is not None:
        document["baseline_total"] = round(base.total, 2)
        document["delta"] = round(cost.total - base.total, 2)
        document["stack_deltas"] = [
            {"stack": sid, "before": round(old, 2), "after": round(new, 2)}
            for sid, old, new in stack_deltas(cost, base)
        ]
    return json.dumps(document, indent=2)
