"""A network (Wi-Fi / Ethernet) ESC/POS printer: raw TCP, port 9100 by convention. One connection
per job with short timeouts: printers drop idle connections and refuse sockets after a long day,
and a job must not hang the queue. The bytes are python-escpos's (domain.render).

`sendall` returning means the printer's buffer took the bytes, not that paper came out; the
library never retries, the queue does (domain.queue)."""

from __future__ import annotations

import socket

from .port import PrintFailed

# Raw printing ports (9100, and 9101-9109 on multi-port print servers). Other ports are refused
# unless allowed (NETWORK_PRINTER_ANY_PORT, test clusters): a printer's address must not make this
# service write bytes into a database or cache port of the network it runs in.
PRINTER_PORTS = range(9100, 9110)


class NetworkPrinters:
    def __init__(self, *, connect_timeout: float = 3.0, write_timeout: float = 10.0):
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout

    def send(self, host: str, port: int, data: bytes) -> None:
        try:
            with socket.create_connection((host, port), timeout=self.connect_timeout) as sock:
                sock.settimeout(self.write_timeout)
                sock.sendall(data)
                # Half-close: the printer sees the job's end; closing at once could drop the tail
                # of the buffer on some print servers.
                sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrintFailed(f"{host}:{port} {exc.__class__.__name__}: {exc}"[:300]) from exc
