"""A layout (domain.layout.Document) as a printer takes it: ESC/POS bytes for a network printer,
FeieYun markup for a cloud printer.

ESC/POS text is encoded GB18030 here, not by python-escpos: the library switches to GB18030 only
for a string holding an ideograph in U+4E00-U+9FA5, so a line of only full-width punctuation or ¥
would print `?` (docs: services/printing/README.md). The library builds the commands (alignment,
emphasis, size, the QR, the cut) into a Dummy printer's buffer."""

from __future__ import annotations

from escpos.printer import Dummy

from .layout import Cut, Document, Line, Qr

ENCODING = "gb18030"
INIT = b"\x1b@"
# FS &: Chinese character mode, off on some printers after power-up (two-byte codes would print
# as pairs of Latin glyphs).
CHINESE_MODE = b"\x1c&"
QR_SIZE = 6
FEIE_MAX_BYTES = 5000


def escpos(document: Document) -> bytes:
    printer = Dummy()
    printer._raw(INIT + CHINESE_MODE)
    for block in document.blocks:
        if isinstance(block, Line):
            if block.big:
                printer.set(align=block.align, bold=block.bold, double_width=True, double_height=True)
            else:
                printer.set(align=block.align, bold=block.bold, normal_textsize=True)
            printer._raw(block.text.encode(ENCODING) + b"\n")
        elif isinstance(block, Qr):
            printer.set(align="center", bold=False, normal_textsize=True)
            # Native GS ( k: the printer draws it; the verification code stays scannable on paper.
            printer.qr(block.data, native=True, size=QR_SIZE)
            printer._raw(b"\n")
        elif isinstance(block, Cut):
            printer.set(align="left", bold=False, normal_textsize=True)
            printer.cut(mode="PART")
    return printer.output


def _feie_text(text: str) -> str:
    # Angle brackets would open a tag in FeieYun's markup.
    return text.replace("<", "＜").replace(">", "＞")


def feie(document: Document) -> str:
    """FeieYun's markup: <CB> centred big, <B> big, <C> centred, <RIGHT>, <BOLD>, <QR>, <BR>, <CUT>."""
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, Line):
            text = _feie_text(block.text)
            if block.bold:
                text = f"<BOLD>{text}</BOLD>"
            if block.big and block.align == "center":
                text = f"<CB>{text}</CB>"
            elif block.big:
                text = f"<B>{text}</B><BR>"
            elif block.align == "center":
                text = f"<C>{text}</C>"
            elif block.align == "right":
                text = f"<RIGHT>{text}</RIGHT>"
            else:
                text += "<BR>"
            out.append(text)
        elif isinstance(block, Qr):
            out.append(f"<QR>{_feie_text(block.data)}</QR>")
        elif isinstance(block, Cut):
            out.append("<CUT>")
    return "".join(out)
