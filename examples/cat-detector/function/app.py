"""The cat-detector Lambda (seed 000): labels an uploaded image with Amazon Rekognition and
records whether a cat was found in the metadata table.

Packaged by scripts/lambda_zip.py, which the function stack's before_deploy hook runs.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

CAT_LABELS = {"Cat", "Kitten"}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # in the Lambda runtime

    found = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        labels = boto3.client("rekognition").detect_labels(
            Image={"S3Object": {"Bucket": bucket, "Name": key}}, MinConfidence=80
        )["Labels"]
        is_cat = any(label["Name"] in CAT_LABELS for label in labels)
        boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"]).put_item(
            Item={
                "image_key": key,
                "detected_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "cat": is_cat,
            }
        )
        found.append({"key": key, "cat": is_cat})
    return {"statusCode": 200, "body": found}
