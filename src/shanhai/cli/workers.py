"""Several worker processes that share the load evenly: each listens on a socket of its own, bound to the
one address with SO_REUSEPORT, and the kernel spreads new connections over the sockets by their addresses.

uvicorn's supervisor hands one listening socket to every worker; a worker's event loop accepts every
connection waiting when it wakes, so a burst of connections — 32 clients opening theirs at once — lands on
whichever worker woke first, and with keep-alive stays there: measured, one worker at 100 % CPU and the
other at 17 %, and two workers served no more than one. This supervisor starts each worker as uvicorn
does (uvicorn._subprocess: logging set up in the child, then Server.run), with its own socket; it restarts
a worker that dies, and on SIGINT/SIGTERM stops them all gracefully; a worker ends with it however it ends."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn._subprocess import get_subprocess

log = logging.getLogger("shanhai.workers")
CHECK_SECONDS = 0.5  # how often dead workers are looked for


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT; the worker's event loop makes it listen."""
    sock = socket.socket(family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _serve(config: uvicorn.Config, parent: int, sockets: list[socket.socket]) -> None:
    """One worker: it ends with the supervisor (one killed with -9 left its workers serving, and a new one
    then shared the port with them), and serves on its own socket."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the supervisor died before the line above
            return
    uvicorn.Server(config).run(sockets=sockets)


PR_SET_PDEATHSIG = 1  # linux/prctl.h: the signal a process gets when its parent dies


def _start(config: uvicorn.Config) -> BaseProcess:
    process = get_subprocess(
        config=config,
        target=functools.partial(_serve, config, os.getpid()),
        sockets=[reuse_port_socket(config.host, config.port)],
    )
    process.start()
    return process


def run(config: uvicorn.Config) -> None:
    """Run config.workers processes until SIGINT or SIGTERM. Where the system has no SO_REUSEPORT, uvicorn's
    own supervisor runs them on one shared socket."""
    if not hasattr(socket, "SO_REUSEPORT"):
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    config.configure_logging()
    try:
        reuse_port_socket(config.host, config.port).close()  # the address is free: say so before starting
    except OSError as exc:
        sys.exit(f"无法监听 {config.host}:{config.port}：{exc.strerror} / cannot listen there")
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    workers = [_start(config) for _ in range(config.workers)]
    log.info("%d 个工作进程各自监听 %s:%d / workers started", len(workers), config.host, config.port)
    while not stop.wait(CHECK_SECONDS):
        for n, worker in enumerate(workers):
            if not worker.is_alive():
                log.warning("工作进程 %s 已退出（%s），重新启动 / restarting", worker.pid, worker.exitcode)
                workers[n] = _start(config)
    for worker in workers:
        worker.terminate()  # SIGTERM: each finishes its requests (timeout_graceful_shutdown)
    for worker in workers:
        worker.join(config.timeout_graceful_shutdown or 10)
        if worker.is_alive():
            worker.kill()
            worker.join()
