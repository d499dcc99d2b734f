"""Config: YAML with positions, the merge rule, deploy-time tags, and env loading."""
