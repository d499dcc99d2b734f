"""Build a Lambda code zip deterministically and upload it: the cat-detector function
stack's before_deploy hook (config/defaults.yaml).

    python3 scripts/lambda_zip.py SOURCE_DIR --bucket-var NAME --bucket BUCKET \
        --key-var NAME --key KEY

The same sources always give the same bytes (entries sorted, fixed timestamps and modes,
no __pycache__), so the zip's sha256 names its content. The bucket and key are the ones the
stack's `!env` parameters resolve to: each variable if set, else the config's default given
here. The upload uses boto3 (AWS_ENDPOINT_URL and AWS_REGION are honoured, so it works on
infragen's emulator). Standard library plus boto3 only.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def build_zip(source: Path) -> bytes:
    """The zip of every file under `source`, byte-identical for identical sources."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    if not files:
        raise SystemExit(f"lambda_zip: no files under {source}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.relative_to(source).as_posix(), EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def upload(body: bytes, bucket: str, key: str, bucket_var: str) -> None:
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise SystemExit("lambda_zip: needs boto3 to upload (pip install boto3)") from None
    try:
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    except (BotoCoreError, ClientError) as error:
        # One line the deploy shows under the hook, instead of botocore's traceback.
        raise SystemExit(
            f"lambda_zip: cannot upload to s3://{bucket}/{key}: {error}\n"
            f"  hint: create the bucket (on the emulator, `make demo` seeds it) or set "
            f"{bucket_var} to one these credentials can write to"
        ) from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--bucket-var", required=True)
    parser.add_argument("--bucket", required=True, help="used when --bucket-var is unset")
    parser.add_argument("--key-var", required=True)
    parser.add_argument("--key", required=True, help="used when --key-var is unset")
    parser.add_argument("--out", type=Path, default=Path("build"))
    args = parser.parse_args(argv)
    body = build_zip(args.source)
    digest = hashlib.sha256(body).hexdigest()
    bucket = os.environ.get(args.bucket_var) or args.bucket
    key = os.environ.get(args.key_var) or args.key
    out = args.out / f"{os.environ.get('INFRAGEN_STACK_ID', 'lambda').replace('/', '-')}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    upload(body, bucket, key, args.bucket_var)
    print(f"{out} ({len(body)} bytes, sha256 {digest[:12]}) -> s3://{bucket}/{key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
