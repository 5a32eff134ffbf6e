"""Reads ESC/POS bytes back: the text (GB18030), the QR codes' data, the cuts. Written apart from
the library that writes them (python-escpos), so tests and the local printer listener check what
a printer would really receive; an unknown command raises rather than being shown as text."""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, LF = 0x1B, 0x1D, 0x1C, 0x0A

# Command -> count of parameter bytes after it.
_ESC_ARGS = {
    0x40: 0,  # @ initialise
    0x21: 1,  # ! print mode
    0x45: 1,  # E emphasis
    0x47: 1,  # G double strike
    0x2D: 1,  # - underline
    0x4D: 1,  # M font
    0x61: 1,  # a alignment
    0x64: 1,  # d feed n lines
    0x74: 1,  # t code table
    0x7B: 1,  # { upside down
    0x32: 0,  # 2 default line spacing
    0x33: 1,  # 3 line spacing
    0x56: 1,  # V rotate
}
_GS_ARGS = {
    0x21: 1,  # ! character size
    0x42: 1,  # B reverse
    0x62: 1,  # b smoothing
}
_FS_ARGS = {0x26: 0, 0x2E: 0}  # & Chinese mode on, . off


@dataclass
class Printout:
    lines: list[str] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    cuts: int = 0
    initialised: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def read(data: bytes) -> Printout:
    out = Printout()
    text = bytearray()
    i, n = 0, len(data)

    def flush_line() -> None:
        out.lines.append(text.decode("gb18030"))
        text.clear()

    while i < n:
        b = data[i]
        if b == LF:
            flush_line()
            i += 1
        elif b == ESC:
            cmd = data[i + 1]
            if cmd not in _ESC_ARGS:
                raise ValueError(f"unknown ESC command 0x{cmd:02x} at {i}")
            if cmd == 0x40:
                out.initialised = True
            i += 2 + _ESC_ARGS[cmd]
        elif b == FS:
            cmd = data[i + 1]
            if cmd not in _FS_ARGS:
                raise ValueError(f"unknown FS command 0x{cmd:02x} at {i}")
            i += 2
        elif b == GS:
            cmd = data[i + 1]
            if cmd == 0x56:  # V cut: m, and n after m 65/66
                m = data[i + 2]
                out.cuts += 1
                i += 4 if m in (65, 66) else 3
            elif cmd == 0x28 and data[i + 2] == 0x6B:  # ( k: 2D code
                size = data[i + 3] + data[i + 4] * 256
                body = data[i + 5 : i + 5 + size]
                if body[:2] == b"1P":  # store the data: cn=49 fn=80 m=48
                    out.qr.append(body[3:].decode("utf-8"))
                i += 5 + size
            elif cmd in _GS_ARGS:
                i += 2 + _GS_ARGS[cmd]
            else:
                raise ValueError(f"unknown GS command 0x{cmd:02x} at {i}")
        elif b < 0x20:
            raise ValueError(f"unexpected control byte 0x{b:02x} at {i}")
        else:
            text.append(b)
            i += 1
    if text:
        flush_line()
    return out
