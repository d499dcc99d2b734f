"""Mermaid pictures of an app, drawn from its rendered templates (offline)."""
