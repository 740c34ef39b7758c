"""Where generated files go: a folder (one machine) or an S3-compatible bucket (any number).

An app instance keeps nothing on its own disk that another instance would need: a file one
instance builds (an export, a packet) is written here, and any instance can serve it. With
STORAGE_S3_BUCKET set, files go to that bucket through the standard S3 API (boto3; AWS, or
any S3-compatible server such as MinIO, Ceph or a provider's object storage, through
STORAGE_S3_ENDPOINT_URL), and a download is a redirect to a short-lived presigned URL, so
its bytes do not pass through the app. Otherwise files go under STORAGE_DIR, which several
machines may share only as a network mount.

Keys are relative paths such as ``exports/certificates/12/<hash>.zip``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import Flask, Response, current_app, redirect, send_file

from campus.exports import attachment_header

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def download(self, key: str, filename: str, content_type: str) -> Response: ...

    def close(self) -> None: ...


def check_key(key: str) -> str:
    """A key is a relative path of plain names: no '..', no leading '/', no backslash."""
    if not KEY_PATTERN.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class FolderStorage:
    """Files under one folder, each written to a temporary name and moved into place, so a
    reader never sees half a file and two writers of the same key leave one whole file."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def download(self, key: str, filename: str, content_type: str) -> Response:
        response = send_file(self._path(key), mimetype=content_type, max_age=0)
        response.headers["Content-Disposition"] = attachment_header(filename)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    def close(self) -> None:
        """Nothing to release: files are opened per call."""


class BucketStorage:
    """Objects in an S3 bucket under an optional prefix, through boto3's standard client."""

    def __init__(self, client, bucket: str, prefix: str, download_lifetime: int):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.download_lifetime = download_lifetime

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def download(self, key: str, filename: str, content_type: str) -> Response:
        """A redirect to a presigned GET that names the file and its type for the browser."""
        url = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": attachment_header(filename),
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=self.download_lifetime,
        )
        return redirect(url, code=303)

    def close(self) -> None:
        """Close the client's pooled connections (a replaced storage would leak them)."""
        self.client.close()


def bucket_client(config: dict):
    """boto3's S3 client; empty key settings leave credentials to boto3's usual chain
    (environment, ~/.aws, an instance role)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=config["STORAGE_S3_ENDPOINT_URL"] or None,
        region_name=config["STORAGE_S3_REGION"] or None,
        aws_access_key_id=config["STORAGE_S3_ACCESS_KEY_ID"] or None,
        aws_secret_access_key=config["STORAGE_S3_SECRET_ACCESS_KEY"] or None,
        config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
    )


SETTINGS = (
    "STORAGE_DIR",
    "STORAGE_S3_BUCKET",
    "STORAGE_S3_PREFIX",
    "STORAGE_S3_ENDPOINT_URL",
    "STORAGE_S3_REGION",
    "STORAGE_S3_ACCESS_KEY_ID",
    "STORAGE_S3_SECRET_ACCESS_KEY",
    "STORAGE_DOWNLOAD_LIFETIME",
)


def build_storage(config: dict) -> Storage:
    if config["STORAGE_S3_BUCKET"]:
        return BucketStorage(
            bucket_client(config),
            config["STORAGE_S3_BUCKET"],
            config["STORAGE_S3_PREFIX"],
            config["STORAGE_DOWNLOAD_LIFETIME"],
        )
    return FolderStorage(Path(config["STORAGE_DIR"]))


def storage(app: Flask | None = None) -> Storage:
    """The app's storage, built once per set of settings (a boto3 client is slow to make)."""
    app = app or current_app._get_current_object()
    settings = tuple(app.config[name] for name in SETTINGS)
    cached = app.extensions.get("campus.storage")
    if cached is None or cached[0] != settings:
        if cached is not None:
            cached[1].close()
        cached = (settings, build_storage(app.config))
        app.extensions["campus.storage"] = cached
    return cached[1]
