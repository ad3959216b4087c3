"""Imports in the background: a job per preview or import, run by a thread of the server process, its
progress (rows read so far) kept in memory for the page to poll and its outcome in the job's row, written in
the import's own transaction — so a job that did not finish (the process killed, the server restarted)
wrote nothing, and is marked 未完成 at the next start.

Why a thread of the process and not a job library: an import holds one database transaction from its first
row to its last (all or nothing) and SQLite admits one writer at a time, so a separate worker process would
gain no parallelism and add a broker to run beside the embedded default; the job's state lives in the
database, the work in the process that owns the connection pool."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shanhai.auth.models import User
from shanhai.auth.scope import Actor, actor_for
from shanhai.db import transaction, utcnow
from shanhai.errors import NotFound, ShanhaiError
from shanhai.imports import pipeline, sheets
from shanhai.imports.models import CONFIRMED, DONE, FAILED, QUEUED, ImportJob

log = logging.getLogger(__name__)
_progress: dict[int, tuple[int, int | None]] = {}  # job id → (rows done, rows in the file), while it runs
_lock = threading.Lock()


def stash_path(data_dir: Path, user_id: int | None, sha256: str) -> Path:
    """Where an uploaded file waits for its jobs: under its importer's own name, by its SHA-256."""
    return data_dir / "imports" / str(user_id or 0) / sha256


KEEP_DAYS = 7  # an uploaded file waits this long for its import


def sweep(data_dir: Path) -> int:
    """Remove uploaded files older than KEEP_DAYS (previews never confirmed)."""
    root = data_dir / "imports"
    if not root.is_dir():
        return 0
    cutoff = time.time() - KEEP_DAYS * 86_400
    removed = 0
    for path in root.glob("*/*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def create(
    *, session: Session, actor: Actor, kind: str, file_name: str, sha256: str, commit: bool
) -> ImportJob:
    job = ImportJob(
        kind=kind,
        file_name=file_name[:200],
        sha256=sha256,
        commit=commit,
        status=QUEUED,
        message="",
        runner=this_process(),
        created_by_id=actor.user_id,
    )
    session.add(job)
    session.flush()
    return job


def of(session: Session, actor: Actor, job_id: int) -> ImportJob:
    """A job, to the one who started it only."""
    job = session.get(ImportJob, job_id)
    if job is None or job.created_by_id != actor.user_id:
        raise NotFound("导入任务不存在", field="id")
    return job


def confirm(session: Session, job_id: int) -> bool:
    """Mark a finished preview as confirmed; False when someone (or the same form sent again) already did."""
    done = session.execute(
        update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == DONE).values(status=CONFIRMED)
    )
    return bool(getattr(done, "rowcount", 0) == 1)


def progress(job_id: int) -> tuple[int, int | None] | None:
    """(rows done, rows in the file — None until counted) while the job runs; None: not running here."""
    with _lock:
        return _progress.get(job_id)


def run(factory: sessionmaker[Session], job_id: int, data_dir: Path, ip: str = "") -> None:
    """Do one job: the import in one transaction with the job's outcome; a failure marks it 未完成."""
    with _lock:
        _progress[job_id] = (0, None)
    total: int | None = None

    def note(rows: int) -> None:
        with _lock:
            _progress[job_id] = (rows, total)

    try:
        with transaction(factory) as session:
            job = session.get_one(ImportJob, job_id)
            user = session.get(User, job.created_by_id) if job.created_by_id else None
            if user is None or not user.is_active:
                raise NotFound("导入任务的用户已不存在或已停用", field="id")
            actor, user_id = actor_for(session=session, user=user, ip=ip), user.id
            data = stash_path(data_dir, user_id, job.sha256).read_bytes()
            try:  # a first pass counts the rows, for the progress bar (a bad file is reported by the run)
                total = sum(1 for _ in sheets.read(data, job.file_name).rows)
            except ShanhaiError:
                total = None
            outcome = pipeline.run(
                session=session,
                actor=actor,
                kind=job.kind,
                file_name=job.file_name,
                data=data,
                commit=job.commit,
                progress=note,
            )
            job.outcome = outcome.as_dict()
            job.status = DONE
            job.finished_at = utcnow()
        if outcome.committed:
            stash_path(data_dir, user_id, outcome.sha256).unlink(missing_ok=True)
    except Exception as exc:  # the import rolled back: say why on the job's page
        message = exc.message if isinstance(exc, ShanhaiError) else "导入时出错，未导入任何数据"
        if not isinstance(exc, ShanhaiError):
            log.exception("import job %s failed", job_id)
        with transaction(factory) as session:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(status=FAILED, message=message[:500], finished_at=utcnow())
            )
    finally:
        with _lock:
            _progress.pop(job_id, None)


def start(
    factory: sessionmaker[Session], job_id: int, data_dir: Path, *, inline: bool = False, ip: str = ""
) -> None:
    """Run the job on a thread of its own (inline: here and now, for tests that share one connection)."""
    if inline:
        run(factory, job_id, data_dir, ip)
        return
    threading.Thread(
        target=run, args=(factory, job_id, data_dir, ip), name=f"import-{job_id}", daemon=True
    ).start()


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(runner: str) -> bool:
    """Whether the process that ran a job has ended (one of this host; another host's is left alone)."""
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return not runner  # a job with no runner named: from before runners were kept
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def abandon_unfinished(factory: sessionmaker[Session]) -> int:
    """At a worker's start: jobs left queued by a process that has ended wrote nothing — they say so. The
    jobs of the other workers, still running, are left alone."""
    with transaction(factory) as session:
        queued = session.execute(select(ImportJob.id, ImportJob.runner).where(ImportJob.status == QUEUED))
        stale = [job_id for job_id, runner in queued if _gone(runner)]
        if stale:
            session.execute(
                update(ImportJob)
                .where(ImportJob.id.in_(stale))
                .values(status=FAILED, message="服务重启时导入尚未完成，未导入任何数据", finished_at=utcnow())
            )
    return len(stale)
