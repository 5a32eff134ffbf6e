"""gRPC servicer of crm.coupons.v1.StoredValueService (E7 E8 E9, C11): proto <-> use case."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from coupons.models import LedgerEntryRow, RechargeGiftOutcomeRow, RechargeInstalmentRow, RechargeRuleRow
from coupons.service import member_report, points, precharge, recharge, recharge_rules, stored_value
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_stock import ClaimStock
from coupons.stored_value_peers import OwnerSms
from crm.coupons.v1 import stored_value_pb2 as pb
from crm.coupons.v1 import stored_value_pb2_grpc
from crmkit.auth import require_actor
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import money, timestamp

FULL_NAME = "crm.coupons.v1.StoredValueService"


def entry_pb(e: LedgerEntryRow) -> pb.Entry:
    return pb.Entry(
        id=e.id,
        customer_id=e.customer_id,
        kind=e.kind,
        amount=e.amount,
        balance_after=e.balance_after,
        reason=e.reason,
        note=e.note,
        reference=e.reference,
        created_by=e.created_by,
        created_at=timestamp(e.created_at),
    )


def _gifts(text: str) -> list[pb.GiftProduct]:
    return [pb.GiftProduct(product_id=p, quantity=q) for p, q in json.loads(text)]


def rule_pb(r: RechargeRuleRow) -> pb.RechargeRule:
    return pb.RechargeRule(
        id=r.id,
        rule=pb.RechargeRuleInput(
            name=r.name,
            member_type=r.member_type,
            pay=money(r.pay_fen),
            bonus=money(r.bonus_fen),
            coupon_template_ids=json.loads(r.coupon_template_ids),
            gift_products=_gifts(r.gift_products),
            instalments=r.instalments,
            first_recharge_only=r.first_recharge_only,
        ),
        active=r.active,
        created_at=timestamp(r.created_at),
    )


def outcome_pb(o: RechargeGiftOutcomeRow) -> pb.RechargeGiftOutcome:
    return pb.RechargeGiftOutcome(
        instalment=o.instalment,
        kind=o.kind,
        item_id=o.item_id,
        quantity=o.quantity,
        status=o.status,
        reason=o.reason,
        updated_at=timestamp(o.updated_at),
    )


def recharge_pb(view: recharge.RechargeView) -> pb.Recharge:
    r = view.recharge
    return pb.Recharge(
        id=r.id,
        customer_id=r.customer_id,
        paid=money(r.paid_fen),
        member_type=r.member_type,
        rule_id=r.rule_id or "",
        bonus=money(r.bonus_fen),
        instalments=[instalment_pb(i) for i in view.instalments],
        entries=[entry_pb(e) for e in view.entries],
        created_at=timestamp(r.created_at),
        gift_outcomes=[outcome_pb(o) for o in view.gift_outcomes],
    )


def instalment_pb(i: RechargeInstalmentRow) -> pb.Instalment:
    return pb.Instalment(
        seq=i.seq,
        due_at=timestamp(i.due_at),
        bonus=money(i.bonus_fen),
        coupon_template_ids=json.loads(i.coupon_template_ids),
        gift_products=_gifts(i.gift_products),
        released_at=timestamp(i.released_at),
    )


def batch_pb(b: precharge.BatchView) -> pb.PrechargeBatch:
    return pb.PrechargeBatch(
        id=b.id,
        client_name=b.client_name,
        status=b.status,
        rows=[
            pb.PrechargeRow(
                row=r["row"],
                phone=r["phone"],
                customer_id=r["customer_id"],
                customer_name=r["customer_name"],
                amount=money(r["amount_fen"]),
            )
            for r in b.rows
        ],
        problems=[pb.PrechargeProblem(row=p.row, column=p.column, message_key=p.message_key) for p in b.problems],
        total=money(b.total_fen),
        created_by=b.created_by,
        created_at=timestamp(b.created_at),
        applied_at=timestamp(b.applied_at),
    )


def _ledger_cmd(request: pb.LedgerRequest) -> stored_value.LedgerCommand:
    return stored_value.LedgerCommand(
        customer_id=request.customer_id,
        kind=request.kind,
        amount=request.amount,
        reason=request.reason,
        note=request.note,
        reference=request.reference,
        idempotency_key=request.idempotency_key,
    )


class StoredValueServicer(stored_value_pb2_grpc.StoredValueServiceServicer):
    def __init__(
        self,
        db: Database,
        customers: CustomerDirectory,
        sms: OwnerSms,
        stock: ClaimStock,
        *,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.customers = customers
        self.sms = sms
        self.stock = stock  # gift coupons draw on the same claim counters as sends (E2)
        self.clock = clock

    def GetAccount(self, request, context):
        a = stored_value.get_account(self.db.uow(), require_actor(), self.customers, request.customer_id)
        return pb.Account(
            customer_id=a.customer_id, balance=money(a.balance_fen), points=a.points, recharges=a.recharges
        )

    def ListEntries(self, request, context):
        page = page_from_proto(request.page)
        rows, total = stored_value.list_entries(
            self.db.uow(), require_actor(), self.customers, request.customer_id, request.kind, page
        )
        return pb.ListEntriesResponse(entries=[entry_pb(e) for e in rows], page=page.info(total))

    def Credit(self, request, context):
        return entry_pb(
            stored_value.credit(self.db.uow(), require_actor(), self.customers, _ledger_cmd(request), now=self.clock())
        )

    def Debit(self, request, context):
        return entry_pb(
            stored_value.debit(self.db.uow(), require_actor(), self.customers, _ledger_cmd(request), now=self.clock())
        )

    def ReverseEntry(self, request, context):
        cmd = stored_value.ReverseCommand(
            customer_id=request.customer_id.strip(),
            original_key=request.original_key.strip(),
            idempotency_key=request.idempotency_key.strip(),
            note=request.note,
        )
        entry = stored_value.reverse(self.db.uow(), require_actor(), cmd, now=self.clock())
        if entry is None:
            return pb.ReverseEntryResponse(reversed=False)
        return pb.ReverseEntryResponse(reversed=True, entry=entry_pb(entry))

    def BulkTopUp(self, request, context):
        entries = stored_value.bulk_top_up(
            self.db.uow(),
            require_actor(),
            self.customers,
            [(line.customer_id, line.amount.fen) for line in request.lines],
            note=request.note,
            idempotency_key=request.idempotency_key,
            now=self.clock(),
        )
        return pb.BulkTopUpResponse(entries=[entry_pb(e) for e in entries])

    def GiftCoupons(self, request, context):
        n = stored_value.gift_coupons(
            self.db.uow(),
            require_actor(),
            self.customers,
            self.stock,
            list(request.customer_ids),
            list(request.template_ids),
            now=self.clock(),
        )
        return pb.GiftCouponsResponse(customers=n)

    def CreateRechargeRule(self, request, context):
        cmd = recharge_rules.RuleInput(
            name=request.name,
            member_type=request.member_type,
            pay_fen=request.pay.fen,
            bonus_fen=request.bonus.fen,
            coupon_template_ids=tuple(request.coupon_template_ids),
            gift_products=tuple((g.product_id, g.quantity) for g in request.gift_products),
            instalments=request.instalments,
            first_recharge_only=request.first_recharge_only,
        )
        return rule_pb(recharge_rules.create_rule(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def ListRechargeRules(self, request, context):
        found = recharge_rules.list_rules(self.db.uow(), require_actor(), request.member_type)
        return pb.ListRechargeRulesResponse(rules=[rule_pb(r) for r in found])

    def SetRechargeRuleActive(self, request, context):
        return rule_pb(recharge_rules.set_rule_active(self.db.uow(), require_actor(), request.id, request.active))

    def RecordRecharge(self, request, context):
        cmd = recharge.RechargeCommand(
            customer_id=request.customer_id,
            paid_fen=request.paid.fen,
            member_type=request.member_type,
            note=request.note,
            idempotency_key=request.idempotency_key,
        )
        view = recharge.record_recharge(
            self.db.uow(), require_actor(), self.customers, self.stock, cmd, now=self.clock()
        )
        return recharge_pb(view)

    def GetPointsRule(self, request, context):
        return pb.PointsRule(points_per_yuan=points.get_rule(self.db.uow(), require_actor()))

    def SetPointsRule(self, request, context):
        return pb.PointsRule(points_per_yuan=points.set_rule(self.db.uow(), require_actor(), request.points_per_yuan))

    def EarnPoints(self, request, context):
        entry = points.earn(
            self.db.uow(),
            require_actor(),
            self.customers,
            request.customer_id,
            request.order_id,
            request.order_amount.fen,
            now=self.clock(),
        )
        return entry_pb(entry)

    def UploadPrecharge(self, request, context):
        view = precharge.upload(
            self.db.uow(), require_actor(), self.customers, request.client_name, request.xlsx, now=self.clock()
        )
        return batch_pb(view)

    def GetPrecharge(self, request, context):
        return batch_pb(precharge.get(self.db.uow(), require_actor(), request.id))

    def RequestPrechargeCode(self, request, context):
        sent_to, expires = precharge.request_code(
            self.db.uow(), require_actor(), self.sms, request.batch_id, now=self.clock()
        )
        return pb.RequestPrechargeCodeResponse(sent_to=sent_to, expires_at=timestamp(expires))

    def ConfirmPrecharge(self, request, context):
        return batch_pb(
            precharge.confirm(self.db.uow(), require_actor(), request.batch_id, request.code, now=self.clock())
        )

    def GetRecharge(self, request, context):
        return recharge_pb(recharge.get_recharge(self.db.uow(), require_actor(), self.customers, request.id))

    def GetMemberReport(self, request, context):
        r = member_report.member_report(
            self.db.uow(), require_actor(), request.date_from, request.date_to, now=self.clock()
        )
        return pb.MemberReport(
            date_from=r.date_from.isoformat(),
            date_to=r.date_to.isoformat(),
            days=[
                pb.MemberReportDay(
                    date=d.date.isoformat(),
                    recharges=d.recharges,
                    recharge_paid_fen=d.recharge_paid_fen,
                    recharge_bonus_fen=d.recharge_bonus_fen,
                    stored_value_spent_fen=d.stored_value_spent_fen,
                    points_earned=d.points_earned,
                    points_spent=d.points_spent,
                )
                for d in r.days
            ],
            balance_fen=r.balance_fen,
            accounts_with_balance=r.accounts_with_balance,
            points_outstanding=r.points_outstanding,
        )


def registration(
    db: Database,
    customers: CustomerDirectory,
    sms: OwnerSms,
    stock: ClaimStock,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> ServiceRegistration:
    return ServiceRegistration(
        stored_value_pb2_grpc.add_StoredValueServiceServicer_to_server,
        StoredValueServicer(db, customers, sms, stock, clock=clock),
        FULL_NAME,
    )
