"""infragen: typed CloudFormation from YAML environment configs."""

__version__ = "0.1.0"
