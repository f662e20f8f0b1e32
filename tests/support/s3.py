"""A bucket of its own for each test, on the worker's SeaweedFS server (a real S3 over HTTP).

The ``seaweed`` and ``s3_bucket`` fixtures in ``tests/conftest.py`` hand these out. A test may
stop the server to take the storage away (``s3_bucket.server.stop()``); the bucket's clean-up
starts it again, so the next test finds it running.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property

from minio import Minio

from portal.core.storage.s3 import S3DocumentStore
from portal.settings import S3Settings
from portal.testing.processes import SeaweedServer


@dataclass(frozen=True)
class S3Bucket:
    server: SeaweedServer
    name: str

    @property
    def settings(self) -> S3Settings:
        return S3Settings(
            endpoint=self.server.endpoint,
            access_key=self.server.access_key,
            secret_key=self.server.secret_key,
            bucket=self.name,
            secure=False,
        )

    @property
    def env(self) -> dict[str, str]:
        """The ``PORTAL_S3_*`` variables naming this bucket: ``make_settings(tmp_path, **env)``."""
        return {
            "PORTAL_S3_ENDPOINT": self.server.endpoint,
            "PORTAL_S3_ACCESS_KEY": self.server.access_key,
            "PORTAL_S3_SECRET_KEY": self.server.secret_key,
            "PORTAL_S3_BUCKET": self.name,
            "PORTAL_S3_SECURE": "false",
        }

    def store(self) -> S3DocumentStore:
        return S3DocumentStore(
            endpoint=self.server.endpoint,
            access_key=self.server.access_key,
            secret_key=self.server.secret_key,
            bucket=self.name,
            secure=False,
        )

    @cached_property
    def client(self) -> Minio:
        """A plain ``minio`` client, to look at the bucket behind the store's back."""
        return self.server.client()

    def incomplete_uploads(self) -> list[str]:
        """Keys of the multipart uploads begun and neither completed nor aborted."""
        return [u.object_name for u in self.client._list_multipart_uploads(self.name).uploads]

    def remove(self) -> None:
        """Abort its uploads, remove its objects, then the bucket itself."""
        for upload in self.client._list_multipart_uploads(self.name).uploads:
            if upload.upload_id:
                self.client._abort_multipart_upload(self.name, upload.object_name, upload.upload_id)
        for item in self.client.list_objects(self.name, recursive=True):
            if item.object_name is not None:
                self.client.remove_object(self.name, item.object_name)
        self.client.remove_bucket(self.name)


def fresh_bucket(server: SeaweedServer) -> S3Bucket:
    """A new, empty bucket on ``server`` (its name never used before)."""
    bucket = S3Bucket(server, f"test-{secrets.token_hex(8)}")
    bucket.client.make_bucket(bucket.name)
    return bucket
