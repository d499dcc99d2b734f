"""What a reviewer needs from a change set: property values before and after, and the risks."""
