"""A ticket: what one order needs printed. The merchant's storefront orders (issue 15, B6) feed it
later through PrintTicket; until then staff and tests send it themselves. Money in integer fen."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

# The six order kinds of the merchant's manual (电商类、预约类、到店类、外卖类、当面付类、储值类).
KINDS = ("ecommerce", "reservation", "in_store", "takeaway", "face_to_face", "top_up")

MAX_LINES = 200
NAME_MAX = 60
NOTE_MAX = 200
ADDRESS_MAX = 200
CODE_MAX = 64
ORDER_NO_MAX = 40
MONEY_MAX = 10**10  # fen: a hundred million yuan, far past any one order


class TicketInvalid(ValueError):
    """The ticket cannot be printed as sent; `fields` names each problem with its i18n key."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class TicketLine:
    product_id: str
    category_id: str
    name: str
    quantity: int
    amount_fen: int  # the line's total
    spec: str = ""  # 规格 / options: 大份, 少辣


@dataclass(frozen=True)
class Ticket:
    store_id: str
    order_id: str
    order_no: str
    kind: str
    placed_at: datetime
    lines: tuple[TicketLine, ...]
    store_name: str = ""
    subtotal_fen: int = 0
    discount_fen: int = 0
    delivery_fee_fen: int = 0
    paid_fen: int = 0
    customer_name: str = ""
    customer_phone: str = ""
    address: str = ""
    note: str = ""
    verification_code: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> str:
        data = asdict(self)
        data["placed_at"] = self.placed_at.isoformat()
        data.pop("extra")
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Ticket:
        data = json.loads(text)
        data["placed_at"] = datetime.fromisoformat(data["placed_at"])
        data["lines"] = tuple(TicketLine(**line) for line in data["lines"])
        return cls(**data)


def _money(fields: dict[str, str], name: str, fen: int, *, negative: bool = False) -> None:
    if not isinstance(fen, int) or abs(fen) > MONEY_MAX or (fen < 0 and not negative):
        fields[name] = "validation.invalid_amount"


def check_ticket(ticket: Ticket) -> Ticket:
    """Refuse what would print wrong: an unknown kind, no lines, negative quantities or money,
    texts past their limits. Texts are trimmed; money is never recomputed (the order's totals
    are what the customer paid)."""
    fields: dict[str, str] = {}
    if not ticket.store_id:
        fields["store_id"] = "validation.required"
    if not ticket.order_id:
        fields["order_id"] = "validation.required"
    if not ticket.order_no.strip():
        fields["order_no"] = "validation.required"
    elif len(ticket.order_no) > ORDER_NO_MAX:
        fields["order_no"] = "validation.too_long"
    if ticket.kind not in KINDS:
        fields["kind"] = "validation.invalid_choice"
    if not ticket.lines and ticket.kind != "top_up":
        fields["lines"] = "validation.required"
    if len(ticket.lines) > MAX_LINES:
        fields["lines"] = "validation.too_many"
    for i, line in enumerate(ticket.lines):
        if not line.name.strip():
            fields[f"lines.{i}.name"] = "validation.required"
        elif len(line.name) > NAME_MAX:
            fields[f"lines.{i}.name"] = "validation.too_long"
        if len(line.spec) > NAME_MAX:
            fields[f"lines.{i}.spec"] = "validation.too_long"
        if not isinstance(line.quantity, int) or line.quantity <= 0 or line.quantity > 9999:
            fields[f"lines.{i}.quantity"] = "validation.invalid_quantity"
        _money(fields, f"lines.{i}.amount", line.amount_fen)
    for name in ("subtotal", "delivery_fee", "paid"):
        _money(fields, name, getattr(ticket, f"{name}_fen"))
    _money(fields, "discount", ticket.discount_fen)
    for name, limit in (
        ("store_name", NAME_MAX),
        ("customer_name", NAME_MAX),
        ("customer_phone", 20),
        ("address", ADDRESS_MAX),
        ("note", NOTE_MAX),
        ("verification_code", CODE_MAX),
    ):
        if len(getattr(ticket, name)) > limit:
            fields[name] = "validation.too_long"
    if fields:
        raise TicketInvalid(fields)
    return ticket
