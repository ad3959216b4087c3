"""Files kept by their content: stored once under the data directory by their SHA-256, written whole or not
at all (a temporary file renamed into place), so that a database row never points at half a file."""

from __future__ import annotations

import os
import re
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


def stored(data_dir: Path, folder: str) -> dict[str, Path]:
    """Every file kept under data_dir/folder, by its SHA-256 (the temporary files of a write left out)."""
    root = data_dir / folder
    if not root.is_dir():
        return {}
    return {p.name: p for p in root.glob("??/*") if p.is_file() and len(p.name) == 64 and "." not in p.name}


def discard(data_dir: Path, folder: str, sha256: str) -> bool:
    """Remove one kept file (when no record refers to it any more); whether it was there."""
    try:
        blob_path(data_dir, folder, sha256).unlink()
        return True
    except FileNotFoundError:
        return False


INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_file_name(file_name: str) -> str:
    """An uploaded file's own name, the one rule for reports and attachments alike: no folders, no control
    or invisible characters (a right-to-left override makes a.pdf of a\u202egnp.pdf), at most 200
    characters with its extension kept."""
    name = INVISIBLE.sub("", os.path.basename(file_name.replace("\\", "/"))).strip()
    stem, ext = os.path.splitext(name)
    if ext == "" and stem.startswith("."):
        stem, ext = "", stem  # ".txt": a name that is only an extension
    return (stem.strip()[: 200 - len(ext[:16])] or "未命名") + ext[:16]
