"""AWS access. Only `gateway` imports boto3/botocore, and only when a command needs it."""
