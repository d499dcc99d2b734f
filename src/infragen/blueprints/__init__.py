"""Blueprints: typed, pure template builders. See `base.Blueprint`."""
