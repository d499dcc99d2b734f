"""A local AWS for tests and the demo: moto's server plus what infragen's blueprints need.

`infragen emulator` (the `emulator` extra) starts it on 127.0.0.1. Everything here
describes the emulator, never the product: the product talks to it only through
`--endpoint-url` / `AWS_ENDPOINT_URL`. moto is imported by `server.prepare()` and never at
import time of this package, so `infragen --help` stays fast without the extra.

- `server`: prepare moto (models, fixes, model caches) and start it.
- `fixes`: infragen's patches for moto bugs on infragen's default path.
- `cfn_fixes`: patches to moto's CloudFormation API (lifecycle, change sets, NoEcho).
- `faults`: test-only faults (UPDATE_ROLLBACK_FAILED) and ContinueUpdateRollback.
- `drift`: drift detection against the live state of moto's service backends.
- `models`: CloudFormation models for resource types moto lacks.
- `coverage`: the README's generated "Emulator coverage" table.
"""
