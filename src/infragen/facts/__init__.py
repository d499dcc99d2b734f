"""Facts the blueprints, the deploy step and the lint rules share, each defined exactly once.

Standard library only, and nothing imported here: the lint rules load this package under a bare
`cfn-lint --append-rules`, and `infragen --help` must stay fast. Import the submodule you need
(`infragen.facts.secrets`, `.iam`, `.stateful`, `.environments`).
"""
