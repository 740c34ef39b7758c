"""An S3-compatible server on loopback: moto's standalone server (`moto[server]` from PyPI),
started as its own process on a free port and spoken to over HTTP by boto3, as AWS or MinIO
would be. Tests that need it are skipped with a reason when moto or boto3 is missing."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from bench.common import free_port

S3_SETTINGS = {
    "STORAGE_S3_REGION": "us-east-1",
    "STORAGE_S3_ACCESS_KEY_ID": "testing",
    "STORAGE_S3_SECRET_ACCESS_KEY": "testing-secret",
    "STORAGE_S3_PREFIX": "campus-tests",
    "STORAGE_DOWNLOAD_LIFETIME": 120,
}


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3-compatible server, as its own process; skipped if moto is not installed."""
    pytest.importorskip(
        "moto.server", reason="moto[server] is not installed (pip install -e .[test])"
    )
    pytest.importorskip("boto3", reason="boto3 is not installed (pip install -e .[test])")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()  # noqa: S310
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def bucket_settings(s3_endpoint):
    """A fresh bucket on the moto server, and the settings that point campus at it."""
    settings = {**S3_SETTINGS, "STORAGE_S3_ENDPOINT_URL": s3_endpoint}
    settings["STORAGE_S3_BUCKET"] = f"campus-{uuid.uuid4().hex[:12]}"
    settings["STORAGE_DIR"] = ""
    from campus.storage import build_storage

    made = build_storage(settings)
    made.client.create_bucket(Bucket=settings["STORAGE_S3_BUCKET"])
    made.close()
    return settings
