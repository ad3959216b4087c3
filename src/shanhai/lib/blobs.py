"""Files kept by their content: stored once under the data directory by their SHA-256, written whole or not
at all (a temporary file renamed into place), so that a database row never points at half a file."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def blob_path(data_dir: Path, folder: str, sha256: str) -> Path:
    return data_dir / folder / sha256[:2] / sha256


def store(data_dir: Path, folder: str, sha256: str, data: bytes) -> Path:
    """Keep `data` (whose SHA-256 the caller computed) under data_dir/folder; the same bytes are kept once."""
    path = blob_path(data_dir, folder, sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path
