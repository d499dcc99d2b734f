"""Small builders that blueprints compose instead of copying: tags, security groups, roles,
log groups, alarms and the stateful-resource policy."""
