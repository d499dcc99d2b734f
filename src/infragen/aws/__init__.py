"""AWS access. Only `gateway` imports botocore, and only when a command needs it; `types`,
`requests` and `status` are pure and tested without AWS."""
