"""The export on a real S3 server (SeaweedFS): the documents' bytes come from the bucket, read in
a worker thread, the same as uploaded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from portal.settings import Settings
from tests.conftest import make_settings
from tests.subject_access.support import documents_as_uploaded
from tests.support.s3 import S3Bucket


@pytest.fixture
def settings(tmp_path: Path, s3_bucket: S3Bucket) -> Settings:
    return make_settings(tmp_path, **s3_bucket.env)


async def test_the_documents_come_from_the_bucket_as_uploaded(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    assert app.state.storage.kind == "s3"
    await documents_as_uploaded(app, client)
