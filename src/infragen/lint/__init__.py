"""Lint rendered templates: cfn-lint as a library plus infragen's own rules (`lint.rules`).

Kept import-free on purpose: `infragen --help` and the rule files must not pull in cfn-lint
machinery they do not need.
"""
