"""Receipt and preparation slip layouts as a small document (lines, rules, a QR, a cut) that the
ESC/POS and FeieYun renderers turn into bytes or markup. Everything here counts display columns:
58 mm paper has 32, 80 mm 48; a big (double width) line has half as many.

The printed words are Chinese: the receipt is the customer's and the kitchen's, read on paper, not
in an app with a locale; LABELS is their one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from .text import center, clean, columns_for, mask_phone, pad_left, pad_right, two_columns, width, wrap, yuan
from .tickets import Ticket, TicketLine

# Mainland China keeps one offset all year: the merchants' receipts show Beijing time.
CHINA = timezone(timedelta(hours=8))

KIND_TITLES = {
    "ecommerce": "电商订单",
    "reservation": "预约订单",
    "in_store": "到店订单",
    "takeaway": "外卖订单",
    "face_to_face": "当面付",
    "top_up": "储值充值",
}
SLIP_TITLES = {"kitchen": "厨房单", "warehouse": "备货单"}
LABELS = {
    "order_no": "订单号",
    "placed_at": "下单时间",
    "item": "商品",
    "quantity": "数量",
    "amount": "金额",
    "subtotal": "小计",
    "discount": "优惠",
    "delivery_fee": "配送费",
    "paid": "实付",
    "customer": "顾客",
    "phone": "电话",
    "address": "地址",
    "note": "备注",
    "code": "核销码",
    "reprint": "【补打】",
    "test": "打印测试",
    "thanks": "谢谢惠顾，欢迎再次光临",
}
# Kinds whose receipt shows where it goes (a takeaway rider, a parcel).
ADDRESS_KINDS = ("takeaway", "ecommerce")


@dataclass(frozen=True)
class Line:
    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    big: bool = False  # double width and height


@dataclass(frozen=True)
class Qr:
    data: str


@dataclass(frozen=True)
class Cut:
    pass


Block = Line | Qr | Cut


@dataclass(frozen=True)
class Document:
    paper_mm: int
    blocks: tuple[Block, ...]

    @property
    def columns(self) -> int:
        return columns_for(self.paper_mm)

    def text(self) -> str:
        """What the paper says, line by line (tests and the admin's preview)."""
        return "\n".join(b.text for b in self.blocks if isinstance(b, Line))


class _Builder:
    def __init__(self, paper_mm: int):
        self.paper_mm = paper_mm
        self.columns = columns_for(paper_mm)
        self.blocks: list[Block] = []

    def line(self, text: str, *, align: str = "left", bold: bool = False, big: bool = False) -> None:
        room = self.columns // 2 if big else self.columns
        for part in wrap(text, room):
            self.blocks.append(Line(part, align, bold, big))

    def raw(self, text: str, *, bold: bool = False) -> None:
        """A line already laid out to the paper's width."""
        self.blocks.append(Line(text, "left", bold, False))

    def pair(self, left: str, right: str, *, bold: bool = False) -> None:
        for part in two_columns(left, right, self.columns):
            self.raw(part, bold=bold)

    def rule(self) -> None:
        self.raw("-" * self.columns)

    def document(self) -> Document:
        self.blocks.append(Cut())
        return Document(self.paper_mm, tuple(self.blocks))


def local_time(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _item_columns(columns: int) -> tuple[int, int, int]:
    """Widths of name, quantity and amount: 16/6/10 on 58 mm, 28/8/12 on 80 mm."""
    amount = 10 if columns < 48 else 12
    quantity = 6 if columns < 48 else 8
    return columns - quantity - amount, quantity, amount


def _item(b: _Builder, line: TicketLine, *, prices: bool) -> None:
    name_w, qty_w, amount_w = _item_columns(b.columns)
    names = wrap(line.name, name_w) or [""]
    qty = f"x{line.quantity}"
    first = pad_right(names[0], name_w) + pad_left(qty, qty_w)
    if prices:
        first += pad_left(yuan(line.amount_fen), amount_w)
    b.raw(first.rstrip())
    for more in names[1:]:
        b.raw(more)
    if line.spec:
        for part in wrap(f"({clean(line.spec)})", b.columns - 2):
            b.raw("  " + part)


def _header(b: _Builder, ticket: Ticket, title: str, *, reprint: bool) -> None:
    if reprint:
        b.line(LABELS["reprint"], align="center", bold=True)
    if ticket.store_name:
        b.line(ticket.store_name, align="center", bold=True, big=True)
    b.line(title, align="center", bold=True)
    b.rule()
    b.line(f"{LABELS['order_no']}：{ticket.order_no}")
    b.line(f"{LABELS['placed_at']}：{local_time(ticket.placed_at)}")
    b.rule()


def receipt(ticket: Ticket, paper_mm: int, *, reprint: bool = False) -> Document:
    """The customer's receipt at the counter: every line with its amount, the totals, who it is
    for, the note and the verification code as a QR."""
    b = _Builder(paper_mm)
    _header(b, ticket, KIND_TITLES[ticket.kind], reprint=reprint)
    if ticket.lines:
        name_w, qty_w, amount_w = _item_columns(b.columns)
        b.raw(
            pad_right(LABELS["item"], name_w)
            + pad_left(LABELS["quantity"], qty_w)
            + pad_left(LABELS["amount"], amount_w)
        )
        for line in ticket.lines:
            _item(b, line, prices=True)
        b.rule()
    b.pair(LABELS["subtotal"], yuan(ticket.subtotal_fen))
    if ticket.discount_fen:
        b.pair(LABELS["discount"], yuan(-abs(ticket.discount_fen)))
    if ticket.delivery_fee_fen:
        b.pair(LABELS["delivery_fee"], yuan(ticket.delivery_fee_fen))
    b.pair(LABELS["paid"], yuan(ticket.paid_fen), bold=True)
    _customer(b, ticket)
    if ticket.note:
        b.rule()
        b.line(f"{LABELS['note']}：{ticket.note}", bold=True)
    if ticket.verification_code:
        b.rule()
        b.blocks.append(Qr(ticket.verification_code))
        b.line(f"{LABELS['code']}：{ticket.verification_code}", align="center", bold=True)
    b.rule()
    b.line(LABELS["thanks"], align="center")
    return b.document()


def _customer(b: _Builder, ticket: Ticket) -> None:
    shown = [
        (LABELS["customer"], ticket.customer_name),
        (LABELS["phone"], mask_phone(ticket.customer_phone) if ticket.customer_phone else ""),
        (LABELS["address"], ticket.address if ticket.kind in ADDRESS_KINDS else ""),
    ]
    shown = [(label, value) for label, value in shown if value]
    if not shown:
        return
    b.rule()
    for label, value in shown:
        b.line(f"{label}：{value}")


def slip(ticket: Ticket, lines: tuple[TicketLine, ...], paper_mm: int, role: str, *, reprint: bool = False) -> Document:
    """A preparation slip for the kitchen or the warehouse: only the lines routed to this printer,
    big, without prices; the note, since it is usually for them (少辣)."""
    b = _Builder(paper_mm)
    if reprint:
        b.line(LABELS["reprint"], align="center", bold=True)
    b.line(SLIP_TITLES.get(role, SLIP_TITLES["kitchen"]), align="center", bold=True, big=True)
    b.line(f"{KIND_TITLES[ticket.kind]}  {ticket.order_no}", align="center", bold=True)
    b.line(local_time(ticket.placed_at), align="center")
    b.rule()
    half = b.columns // 2
    for line in lines:
        for part in two_columns(line.name, f"x{line.quantity}", half):
            b.blocks.append(Line(part.rstrip(), "left", True, True))
        if line.spec:
            for part in wrap(f"({line.spec})", b.columns - 2):
                b.raw("  " + part)
    if ticket.note:
        b.rule()
        b.line(f"{LABELS['note']}：{ticket.note}", bold=True, big=True)
    b.rule()
    return b.document()


def self_test_page(printer_name: str, paper_mm: int, at: datetime) -> Document:
    """TestPrint: the printer's name, its paper's columns filled edge to edge in Chinese and ASCII
    (a wrong paper setting shows as a wrapped or short ruler)."""
    b = _Builder(paper_mm)
    b.line(LABELS["test"], align="center", bold=True, big=True)
    b.line(printer_name, align="center")
    b.line(local_time(at), align="center")
    b.rule()
    b.raw("中" * (b.columns // 2))
    b.raw("".join(str(i % 10) for i in range(1, b.columns + 1)))
    b.line(f"{paper_mm}mm / {b.columns}")
    b.rule()
    return b.document()


def fits(document: Document) -> bool:
    """Every line within the paper (big lines within half of it)."""
    for block in document.blocks:
        if isinstance(block, Line):
            room = document.columns // 2 if block.big else document.columns
            if width(block.text) > room:
                return False
    return True


__all__ = ["Cut", "Document", "Line", "Qr", "center", "fits", "receipt", "self_test_page", "slip"]
