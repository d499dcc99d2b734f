"""`infragen config show`: the merged config as YAML, deploy-time tags written back as tags."""

from __future__ import annotations

from typing import Any

import yaml

from infragen.config.tags import ConfigTag


class _ShowDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_tag(dumper: _ShowDumper, tag: ConfigTag) -> yaml.Node:
    return dumper.represent_scalar(tag.yaml_tag, tag.raw)


_ShowDumper.add_multi_representer(ConfigTag, _represent_tag)


def dump_config(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_ShowDumper, sort_keys=False, default_flow_style=False)
