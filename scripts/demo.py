"""`make demo`: render, lint, then deploy the example `dev` environment to
a local AWS emulator (moto) on 127.0.0.1 and show status and outputs. No AWS account needed:
fake credentials, and every AWS call goes to the emulator.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INFRAGEN = [sys.executable, "-m", "infragen"]


def step(title: str, *args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    print(f"\n$ infragen {' '.join(args)}    # {title}", flush=True)
    done = subprocess.run([*INFRAGEN, *args], cwd=REPO, env=env, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"demo failed at: infragen {' '.join(args)} (exit {done.returncode})")
    return done.returncode


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the emulator exited ({server.returncode}); see its log")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"the emulator did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def seed_artifacts(endpoint: str) -> None:
    """What the example expects to exist before deploy, as in a real account: the
    cat-detector Lambda code zip in the artifacts bucket, and the certificate whose ARN
    omnigen's ALB reads from SSM."""
    import io
    import zipfile

    import boto3

    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    clients = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    s3 = boto3.client("s3", **clients)
    s3.create_bucket(Bucket="acme-artifacts")
    s3.put_object(Bucket="acme-artifacts", Key="cat-detector/lambda.zip", Body=code.getvalue())
    acm = boto3.client("acm", **clients)
    certificate = acm.request_certificate(DomainName="omnigen.dev.example.com")
    boto3.client("ssm", **clients).put_parameter(
        Name="/acme/dev/omnigen/alb-certificate-arn",
        Type="String",
        Value=certificate["CertificateArn"],
    )


def forget_failed_key_stacks(endpoint: str) -> None:
    """moto keeps a KMS key stack whose create failed (it reads CloudFormation tags in KMS's
    API shape) in a state that breaks every DescribeStacks listing: delete those stacks."""
    import boto3

    cfn = boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for name in ("kms-rds", "kms-s3", "kms-secrets"):
        cfn.delete_stack(StackName=f"acme-dev-ai-foundry-{name}")


def main() -> None:
    step("render every environment", "render")
    step("committed templates match the config", "render", "--check")
    step("cfn-lint plus infragen rules", "lint")

    # The emulator runs in its own process, its log in a file: moto prints a warning or a
    # traceback for every resource type it does not model, which would bury the demo.
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = REPO / ".infragen-cache" / "demo-moto.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port, server)
    print(f"\nAWS emulator (moto) listening on {endpoint}; its log: {log_path.relative_to(REPO)}")
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    try:
        seed_artifacts(endpoint)
        step("what would change (change sets, not executed)", "plan", "--env", "dev", env=env)
        # --method direct: moto leaves Outputs empty after ExecuteChangeSet, and consumers
        # need producers' outputs. Against AWS the default (change sets) is the one to use.
        code = step(
            "deploy dev in dependency order",
            "deploy", "--env", "dev", "--method", "direct", env=env, check=False,
        )  # fmt: skip
        if code == 1:
            print(
                "\n(some stacks fail on moto because of emulator gaps, e.g. GetAtt on an\n"
                " RDS endpoint; their dependents are skipped. See README 'Emulator coverage'.)"
            )
        elif code != 0:
            raise SystemExit(f"deploy exited {code}")
        forget_failed_key_stacks(endpoint)
        step("deploy again: unchanged stacks are skipped", "deploy", "--env", "dev", env=env,
             check=False)  # fmt: skip
        step("what is deployed", "status", "--env", "dev", env=env)
        step("stack outputs", "outputs", "--env", "dev", env=env)
    finally:
        server.terminate()
        server.wait(timeout=30)
        print("\nAWS emulator stopped")


if __name__ == "__main__":
    main()
