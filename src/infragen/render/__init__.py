"""Render: Env -> templates (pure), then write them atomically to templates_out/."""
