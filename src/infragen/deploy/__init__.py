"""Deploy-time verbs: deploy, plan, delete, status, outputs, diff, drift (one module each)."""
