"""What `make run` checks before starting anything, so a second run or a busy port ends with one
sentence naming the port and the option to change it, not a traceback from deep in gRPC."""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from launcher.config import LaunchConfig

CHANGE_PORTS = "python -m launcher --port <HTTP> --grpc-base-port <first gRPC> --sms-port <SMS>"


class PreflightFailed(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"make run: {message}")


def _in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        # As the servers bind: a port whose last user just stopped (TIME_WAIT) is free again.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(cfg: LaunchConfig, *, fake_sms: bool) -> None:
    wanted = [(cfg.http_host, cfg.http_port, "the HTTP API (--port or PORT)")]
    wanted += [("127.0.0.1", port, f"{name}'s gRPC (--grpc-base-port)") for name, port in cfg.grpc_ports.items()]
    if fake_sms:
        wanted.append(("127.0.0.1", cfg.sms_port, "the fake SMS provider (--sms-port)"))
    for host, port, what in wanted:
        if _in_use(host, port):
            raise PreflightFailed(
                f"port {port} for {what} is already in use — is another `make run` running? "
                f"Stop it, or choose free ports: {CHANGE_PORTS}"
            )


def lock_var_dir(var_dir: Path):
    """Hold var/launcher.lock for the life of the process (the OS lets go even on kill -9): two
    platforms writing one set of SQLite files, broker file and Redis journal would corrupt them."""
    handle = open(var_dir / "launcher.lock", "a+")  # noqa: SIM115 - held until the process exits
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        raise PreflightFailed(
            f"{var_dir} is used by another `make run` (pid {holder}). Stop it, or give this one its own "
            "folder: python -m launcher --var-dir <folder>"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
