"""The document store. The embedded default keeps bytes in a local folder; S3 arrives later."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class StorageUnavailable(Exception):
    pass


class LocalDocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Raise ``StorageUnavailable`` unless the folder exists and accepts a write."""
        if not self.root.is_dir():
            raise StorageUnavailable(f"documents folder {self.root} does not exist")
        try:
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-"):
                pass
        except OSError as error:
            raise StorageUnavailable(
                f"documents folder {self.root} is not writable: {error}"
            ) from None
        if not os.access(self.root, os.R_OK):
            raise StorageUnavailable(f"documents folder {self.root} is not readable")
