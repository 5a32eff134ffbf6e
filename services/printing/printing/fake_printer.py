"""A network receipt printer's stand-in: a TCP listener (port 9100 by default) that keeps the bytes
of each connection, one connection per job as the network adapter sends them. Tests embed it;
a developer runs it beside `make run` and adds a network printer at 127.0.0.1:<port> to see the
receipts decoded:

    python -m printing.fake_printer --port 9100
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from collections.abc import Callable

from .escpos_reader import read


class PrinterListener:
    """A network printer's stand-in: a TCP listener on 127.0.0.1 keeping every connection's bytes
    (one connection per job); `stop()` refuses connections from then on, `start()` again on the
    same port."""

    def __init__(self, port: int = 0, *, on_job: Callable[[bytes], None] | None = None):
        self.port = port
        self.on_job = on_job
        self.received: list[bytes] = []
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> PrinterListener:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        return self

    def _serve(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                conn.settimeout(5)
                try:
                    while chunk := conn.recv(65536):
                        chunks.append(chunk)
                except OSError:
                    pass
                data = b"".join(chunks)
                with self._lock:
                    self.received.append(data)
                if self.on_job:
                    self.on_job(data)

    def stop(self) -> None:
        if self._sock is not None:
            try:
                # Wakes the accept() blocked in the serving thread (closing alone does not, on Linux).
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def jobs(self) -> list[bytes]:
        with self._lock:
            return list(self.received)


def _show(data: bytes) -> None:
    try:
        printout = read(data)
    except (ValueError, IndexError) as exc:
        print(f"[fake printer] {len(data)} bytes, unreadable: {exc}", flush=True)
        return
    print(f"[fake printer] {len(data)} bytes, {printout.cuts} cut(s), QR {printout.qr}", flush=True)
    print(printout.text, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m printing.fake_printer")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args(argv)
    listener = PrinterListener(args.port, on_job=_show).start()
    print(f"fake network printer listening on 127.0.0.1:{listener.port}", file=sys.stderr, flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stopping.wait()
    listener.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
