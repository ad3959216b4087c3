"""`shanhai blobs check [--prune]`: the files kept by content (attachments, uploaded reports) beside the
records that refer to them — orphans (a file no record refers to, left by a crash between a commit and the
file's removal) and missing files (a record whose bytes are gone)."""

from __future__ import annotations

import typer

from shanhai.cli.common import engine as _engine
from shanhai.config import get_settings
from shanhai.db import session_factory, transaction

blobs_app = typer.Typer(help="附件与报告文件：check 核对文件与记录。 / Files kept by content.")


@blobs_app.command(
    "check", help="列出无记录引用的文件与缺失的文件；--prune 删除前者。 / List orphans and missing files."
)
def check(prune: bool = typer.Option(False, "--prune", help="删除无引用的文件 / remove orphans")) -> None:
    from sqlalchemy import select

    from shanhai.documents.models import Document
    from shanhai.lib import blobs
    from shanhai.operations.attachments import FOLDER
    from shanhai.operations.models import Attachment

    data_dir = get_settings().data_dir
    with transaction(session_factory(_engine())) as session:
        referred = {
            FOLDER: set(session.scalars(select(Attachment.sha256))),
            # uploaded reports (the demo's seed reports are read from SOURCES_DIR, not kept)
            "documents": {
                s for s in session.scalars(select(Document.sha256).where(Document.code.like("up-%"))) if s
            },
        }
    orphans = missing = 0
    for folder, shas in referred.items():
        kept = blobs.stored(data_dir, folder)
        for sha in sorted(set(kept) - shas):
            orphans += 1
            typer.echo(f"无引用 orphan\t{folder}/{sha}\t{kept[sha].stat().st_size} B")
            if prune:
                blobs.discard(data_dir, folder, sha)
        for sha in sorted(shas - set(kept)):
            missing += 1
            typer.echo(f"缺失 missing\t{folder}/{sha}")
    typer.echo(f"无引用 {orphans} 个{'（已删除）' if prune and orphans else ''}，缺失 {missing} 个")
    if missing:
        raise typer.Exit(1)
