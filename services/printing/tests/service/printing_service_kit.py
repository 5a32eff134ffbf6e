"""Requests and helpers of the printing service tests."""

from __future__ import annotations

import socket

from printing_testkit import takeaway

from crm.common.v1 import common_pb2
from crm.printing.v1 import printing_pb2 as pb
from crmkit.protos import timestamp
from printing.domain.tickets import Ticket


def network(store: str, port: int, *, role: str = "counter", name: str = "前台", paper: int = 58, **more):
    fields = dict(store_id=store, name=name, kind="network", role=role, paper_mm=paper, enabled=True, host="127.0.0.1")
    return pb.PrinterInput(**{**fields, "port": port, **more})


def cloud(store: str, sn: str, *, role: str = "counter", name: str = "飞鹅", key: str = "abcd1234", **more):
    fields = dict(store_id=store, name=name, kind="feieyun", role=role, paper_mm=58, enabled=True)
    return pb.PrinterInput(**{**fields, "feie_sn": sn, "feie_key": key, **more})


def ticket_message(ticket: Ticket) -> pb.Ticket:
    money = common_pb2.Money
    return pb.Ticket(
        store_id=ticket.store_id,
        order_id=ticket.order_id,
        order_no=ticket.order_no,
        kind=ticket.kind,
        placed_at=timestamp(ticket.placed_at),
        store_name=ticket.store_name,
        lines=[
            pb.TicketLine(
                product_id=x.product_id,
                category_id=x.category_id,
                name=x.name,
                quantity=x.quantity,
                amount=money(fen=x.amount_fen),
                spec=x.spec,
            )
            for x in ticket.lines
        ],
        subtotal=money(fen=ticket.subtotal_fen),
        discount=money(fen=ticket.discount_fen),
        delivery_fee=money(fen=ticket.delivery_fee_fen),
        paid=money(fen=ticket.paid_fen),
        customer_name=ticket.customer_name,
        customer_phone=ticket.customer_phone,
        address=ticket.address,
        note=ticket.note,
        verification_code=ticket.verification_code,
    )


def takeaway_message(store: str, **changes) -> pb.Ticket:
    return ticket_message(takeaway(store, **changes))


def closed_port() -> int:
    """A port nothing listens on: a printer that is off."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sn() -> str:
    import random

    return str(random.randint(10**8, 10**9 - 1))
