"""Content-addressed file store: blobs named by their sha256, checked again on read."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import DecompteError
from ..private_paths import private_dir

CHUNK = 1 << 20


class CorruptFile(DecompteError):
    """A stored blob no longer matches its sha256."""


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, source: Path | bytes) -> tuple[str, int, bool]:
        """Store bytes or a file; returns (sha256, size, created) where created is False if
        the blob was already there. Written to a temporary file, fsynced, then renamed."""
        private_dir(self.root)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, bytes):
                    digest.update(source)
                    out.write(source)
                    size = len(source)
                else:
                    with open(source, "rb") as handle:
                        while chunk := handle.read(CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                            size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.exists():
                os.unlink(tmp_name)
                return sha, size, False
            private_dir(target.parent)
            os.replace(tmp_name, target)
            return sha, size, True
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def discard(self, sha256: str) -> None:
        """Remove a blob written by a deposit that then failed."""
        self.path(sha256).unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptFile(
                "Le fichier stocké ne correspond plus à son empreinte",
                field="file",
                hint="restaurez le magasin de fichiers depuis une sauvegarde",
            )
        return data
