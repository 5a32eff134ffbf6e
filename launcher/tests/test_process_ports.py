"""The launcher run as a process (LauncherProcess) is given ports that cannot collide: its gRPC
block never covers the HTTP or fake SMS port chosen just before (R2 once failed to start with
"Address already in use" when the kernel handed out neighbouring ports)."""

from __future__ import annotations

from launcher import declarations, process


def test_h1_the_grpc_block_never_covers_the_http_or_sms_port(monkeypatch, tmp_path):
    span = declarations.port_span(declarations.load())
    # The HTTP and SMS ports, then a block base that would cover them, then one clear of them.
    handed = iter([41000, 41001, 40999, 42000])
    monkeypatch.setattr(process, "free_port", lambda: next(handed))
    monkeypatch.setattr(process, "_port_free", lambda port: True)

    launched = process.LauncherProcess(tmp_path / "var")

    block = range(launched.grpc_base, launched.grpc_base + span)
    assert (launched.http_port, launched.sms_port) == (41000, 41001)
    assert launched.grpc_base == 42000 and 41000 not in block and 41001 not in block
