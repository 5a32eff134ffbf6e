"""gRPC servicer: proto -> command, actor from the token, use case, result -> proto. No rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.auth import require_actor
from crmkit.changelog import changes_response
from crmkit.db import Database, utcnow
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from crmkit.protos import timestamp
from customers import service
from customers.domain import fields as kinds
from customers.domain.fields import FieldDefinition
from customers.domain.profile import UpdateCustomer
from customers.domain.registration import RegisterCustomer
from customers.service import changes, customer_report, levels
from customers.service.fields import DefineCustomerField
from customers.service.profile import update_customer
from customers.service.shoppers import ensure_shopper
from customers.service.views import CustomerView

FULL_NAME = "crm.customers.v1.CustomersService"

_KIND_TO_PROTO = {
    kinds.TEXT: customers_pb2.FIELD_KIND_TEXT,
    kinds.NUMBER: customers_pb2.FIELD_KIND_NUMBER,
    kinds.DATE: customers_pb2.FIELD_KIND_DATE,
    kinds.CHOICE: customers_pb2.FIELD_KIND_CHOICE,
}
_KIND_FROM_PROTO = {v: k for k, v in _KIND_TO_PROTO.items()}


def field_to_proto(d: FieldDefinition) -> customers_pb2.CustomerField:
    return customers_pb2.CustomerField(
        key=d.key,
        label=d.label,
        kind=_KIND_TO_PROTO[d.kind],
        required=d.required,
        options=list(d.options),
        position=d.position,
    )


def customer_to_proto(c: CustomerView) -> customers_pb2.Customer:
    extra = {}
    if c.latitude is not None and c.longitude is not None:
        extra.update(latitude=c.latitude, longitude=c.longitude)
    return customers_pb2.Customer(
        id=c.id,
        tenant_id=c.tenant_id,
        name=c.name,
        phone=c.phone,
        owner_staff_id=c.owner_staff_id or "",
        store_id=c.store_id or "",
        fields=c.fields,
        registered_by_staff_id=c.registered_by_staff_id,
        created_at=timestamp(c.created_at),
        owned_since=timestamp(c.owned_since),
        level=c.level,
        tags=[customers_pb2.CustomerTag(id=t.id, name=t.name, colour=t.colour) for t in c.tags],
        region=c.region,
        locked=c.locked,
        **extra,
    )


def _optional(request, name: str):
    """A proto3 `optional` field's value, or None when the client did not set it."""
    return getattr(request, name) if request.HasField(name) else None


class CustomersServicer(customers_pb2_grpc.CustomersServiceServicer):
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock

    def ListCustomerFields(self, request, context):
        definitions = service.list_customer_fields(self.db.uow(), require_actor())
        return customers_pb2.ListCustomerFieldsResponse(fields=[field_to_proto(d) for d in definitions])

    def DefineCustomerField(self, request, context):
        f = request.field
        cmd = DefineCustomerField(
            key=f.key,
            label=f.label,
            # UNSPECIFIED (or a value this build does not know) becomes "", i.e. kind missing.
            kind=_KIND_FROM_PROTO.get(f.kind, ""),
            required=f.required,
            options=tuple(f.options),
            position=f.position,
        )
        definition = service.define_customer_field(self.db.uow(), require_actor(), cmd, now=self.clock())
        return field_to_proto(definition)

    def RegisterCustomer(self, request, context):
        cmd = RegisterCustomer(
            name=request.name,
            phone=request.phone,
            fields=dict(request.fields),
            store_id=request.store_id,
            owner_staff_id=request.owner_staff_id,
            level=request.level,
            region=request.region,
            latitude=_optional(request, "latitude"),
            longitude=_optional(request, "longitude"),
        )
        view = service.register_customer(self.db.uow(), require_actor(), cmd, now=self.clock())
        return customer_to_proto(view)

    def EnsureShopper(self, request, context):
        return customer_to_proto(ensure_shopper(self.db.uow(), require_actor(), request.phone, now=self.clock()))

    def GetCustomer(self, request, context):
        return customer_to_proto(service.get_customer(self.db.uow(), require_actor(), request.id))

    def ListCustomers(self, request, context):
        actor = require_actor()
        page = page_from_proto(request.page)
        result = service.list_customers(self.db.uow(), actor, page, request.query, request.tag_id)
        return customers_pb2.ListCustomersResponse(
            customers=[customer_to_proto(c) for c in result.customers],
            page=page.info(result.total),
        )

    def UpdateCustomer(self, request, context):
        cmd = UpdateCustomer(
            customer_id=request.id,
            name=_optional(request, "name"),
            phone=_optional(request, "phone"),
            fields=dict(request.fields),
            level=_optional(request, "level"),
            region=_optional(request, "region"),
            latitude=_optional(request, "latitude"),
            longitude=_optional(request, "longitude"),
            clear_location=request.clear_location,
        )
        return customer_to_proto(update_customer(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def SetCustomerLevels(self, request, context):
        changed = levels.set_levels(
            self.db.uow(), require_actor(), request.customer_ids, request.level, now=self.clock()
        )
        return customers_pb2.SetCustomerLevelsResponse(changed=changed)

    def GetNewCustomerReport(self, request, context):
        r = customer_report.new_customer_report(
            self.db.uow(), require_actor(), request.date_from, request.date_to, request.store_id, now=self.clock()
        )
        return customers_pb2.NewCustomerReport(
            date_from=r.date_from.isoformat(),
            date_to=r.date_to.isoformat(),
            days=[customers_pb2.NewCustomerDay(date=d.isoformat(), new_customers=n) for d, n in r.days],
            total=r.total,
        )

    def ListCustomerChanges(self, request, context):
        page = page_from_proto(request.page)
        found, total = changes.list_customer_changes(self.db.uow(), require_actor(), request.object_id, page)
        return changes_response(found, total, page)


def registration(db: Database, *, clock: Callable[[], datetime] = utcnow) -> ServiceRegistration:
    return ServiceRegistration(
        customers_pb2_grpc.add_CustomersServiceServicer_to_server, CustomersServicer(db, clock=clock), FULL_NAME
    )
