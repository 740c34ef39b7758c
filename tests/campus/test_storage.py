"""campus.storage: the same contract on a folder and on an S3-compatible bucket (a real S3
API over HTTP: moto's standalone server, tests/s3_server.py)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from campus.storage import BucketStorage, FolderStorage, build_storage, check_key, storage


@pytest.fixture(params=["folder", "bucket"])
def any_storage(request, tmp_path):
    if request.param == "folder":
        made = FolderStorage(tmp_path / "files")
    else:
        made = build_storage(request.getfixturevalue("bucket_settings"))
        assert isinstance(made, BucketStorage)
    yield made
    made.close()


def test_put_get_exists_delete(any_storage):
    key = "exports/demo/report.zip"
    assert not any_storage.exists(key) and any_storage.get(key) is None
    any_storage.put(key, b"first", "application/zip")
    any_storage.put(key, b"second version", "application/zip")  # a rewrite replaces whole
    assert any_storage.exists(key)
    assert any_storage.get(key) == b"second version"
    any_storage.delete(key)
    assert not any_storage.exists(key)
    any_storage.delete(key)  # deleting what is gone is not an error


@pytest.mark.parametrize("key", ["../secrets", "/etc/passwd", "a/../../b", "a\\b", "", "a//b"])
def test_keys_that_could_escape_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_bucket_keys_live_under_the_prefix(bucket_settings):
    made = build_storage(bucket_settings)
    made.put("x/y.txt", b"hello", "text/plain")
    listed = made.client.list_objects_v2(Bucket=bucket_settings["STORAGE_S3_BUCKET"])
    made.close()
    assert [item["Key"] for item in listed["Contents"]] == ["campus-tests/x/y.txt"]


def test_bucket_download_is_a_presigned_link_that_names_the_file(app, bucket_settings):
    made = build_storage(bucket_settings)
    made.put("exports/a.zip", b"PK-bytes", "application/zip")
    with app.test_request_context():
        response = made.download("exports/a.zip", "certificates-é.zip", "application/zip")
    made.close()
    assert response.status_code == 303
    link = response.headers["Location"]
    assert "X-Amz-Signature=" in link and "X-Amz-Expires=120" in link
    with urllib.request.urlopen(link) as answer:  # noqa: S310 - loopback moto server
        assert answer.read() == b"PK-bytes"
        assert answer.headers["Content-Type"] == "application/zip"
        assert "filename*=UTF-8''certificates-%C3%A9.zip" in answer.headers["Content-Disposition"]
    with pytest.raises(urllib.error.HTTPError) as refused:  # an altered link is refused
        urllib.request.urlopen(link.replace("exports/a.zip", "exports/b.zip"))  # noqa: S310
    assert refused.value.code == 403
    refused.value.close()


def test_storage_follows_the_settings(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "one"))
    first = storage(app)
    assert storage(app) is first  # built once
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "two"))
    assert storage(app).root == tmp_path / "two"
