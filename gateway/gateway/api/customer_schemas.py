"""Request and response schemas of customers and their tenant-configured fields (C1, C2)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

from crm.customers.v1 import customers_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.common import PageOut, PageQuery, Timestamped
from gateway.api.fields import LATITUDE, LONGITUDE, PHONE, text

# JSON names of FieldKind: the enum's names without the prefix, lower case.
KINDS = {
    "text": pb.FIELD_KIND_TEXT,
    "number": pb.FIELD_KIND_NUMBER,
    "date": pb.FIELD_KIND_DATE,
    "choice": pb.FIELD_KIND_CHOICE,
}
KIND_NAMES = {value: name for name, value in KINDS.items()}
FIELD_KEY = Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="validation.invalid")


class CustomerFieldOut(Schema):
    key = String(required=True)
    label = String()
    kind = String(metadata={"enum": list(KINDS)})
    required = Boolean()
    options = List(String())
    position = Integer()


class CustomerFieldsOut(Schema):
    fields = List(Nested(CustomerFieldOut))


class CustomerFieldIn(Schema):
    label = text(32, required=True)
    kind = String(required=True, validate=OneOf(list(KINDS), error="validation.invalid_choice"))
    required = Boolean(load_default=False)
    options = List(text(32, required=True), load_default=list, validate=Length(max=50))
    position = Integer(load_default=0, validate=Range(min=0, max=1000))


class CustomerOut(Timestamped):
    id = String(required=True)
    tenant_id = String()
    name = String()
    phone = String()
    owner_staff_id = String(allow_none=True, metadata={"description": "Empty when in the public pool"})
    store_id = String()
    fields = Dict(keys=String(), values=String(), metadata={"description": "Values of the configured fields"})
    registered_by_staff_id = String()
    level = String(metadata={"description": "Member level code; empty when none"})
    tags = List(Nested("CustomerTagOut"), metadata={"description": "Tenant-defined tags (C12)"})
    region = String(metadata={"description": "Region code, digits; empty when unknown"})
    latitude = Float(allow_none=True, metadata={"description": "Shop location, WGS-84 degrees (C5)"})
    longitude = Float(allow_none=True)
    locked = Boolean(metadata={"description": "Never returned to the public pool automatically (C3)"})
    owned_since = DateTime(allow_none=True, metadata={"description": "Since when the salesperson holds it"})


class CustomerTagOut(Schema):
    id = String(required=True)
    name = String()
    colour = String(metadata={"description": "#RRGGBB or empty"})


REGION = Regexp(r"^\d{2,12}$", error="validation.invalid")


class CustomerIn(Schema):
    name = text(32, required=True)
    phone = String(required=True, validate=PHONE)
    fields = Dict(
        keys=String(validate=FIELD_KEY),
        values=String(validate=Length(max=500)),
        load_default=dict,
        metadata={"description": "Values of tenant-configured fields by key, as text (dates YYYY-MM-DD)"},
    )
    store_id = String(validate=Length(max=64), metadata={"description": "Defaults to the caller's first store"})
    owner_staff_id = String(
        validate=Length(max=64), metadata={"description": "Managers only: register for a colleague"}
    )
    level = String(validate=Length(max=20), metadata={"description": "Member level code, e.g. A or VIP"})
    region = String(validate=REGION, metadata={"description": "Region code (2 to 12 digits)"})
    latitude = Float(validate=LATITUDE, metadata={"description": "With longitude: the shop's location"})
    longitude = Float(validate=LONGITUDE)


class CustomerUpdateIn(Schema):
    """Only the keys sent change; `fields` entries set a value ("" removes it)."""

    name = text(32, min_len=1)
    phone = String(validate=PHONE)
    fields = Dict(keys=String(validate=FIELD_KEY), values=String(validate=Length(max=500)), load_default=dict)
    level = String(validate=Length(max=20))
    region = String(validate=Regexp(r"^(\d{2,12})?$", error="validation.invalid"))
    latitude = Float(validate=LATITUDE)
    longitude = Float(validate=LONGITUDE)
    clear_location = Boolean(load_default=False)


class CustomerQuery(PageQuery):
    q = String(load_default="", validate=Length(max=64), metadata={"description": "Name (partial) or phone (prefix)"})
    tag_id = String(load_default="", validate=Length(max=36), metadata={"description": "Only customers with this tag"})


class CustomerListOut(Schema):
    customers = List(Nested(CustomerOut))
    page = Nested(PageOut)


def field_dict(field) -> dict:
    return {
        "key": field.key,
        "label": field.label,
        "kind": KIND_NAMES.get(field.kind, "text"),
        "required": field.required,
        "options": list(field.options),
        "position": field.position,
    }


def customer_dict(customer) -> dict:
    return {
        "id": customer.id,
        "tenant_id": customer.tenant_id,
        "name": customer.name,
        "phone": customer.phone,
        "owner_staff_id": customer.owner_staff_id or None,
        "store_id": customer.store_id,
        "fields": dict(customer.fields),
        "registered_by_staff_id": customer.registered_by_staff_id,
        "level": customer.level,
        "created_at": datetime_of(customer, "created_at"),
        "tags": [{"id": t.id, "name": t.name, "colour": t.colour} for t in customer.tags],
        "region": customer.region,
        "latitude": customer.latitude if customer.HasField("latitude") else None,
        "longitude": customer.longitude if customer.HasField("longitude") else None,
        "locked": customer.locked,
        "owned_since": datetime_of(customer, "owned_since"),
    }


class CustomerLevelsIn(Schema):
    customer_ids = List(String(validate=Length(min=1, max=36)), required=True, validate=Length(min=1, max=500))
    level = String(
        required=True, validate=Length(max=20), metadata={"description": "A level code; empty removes the level"}
    )


class LevelsChangedOut(Schema):
    changed = Integer(metadata={"description": "Customers whose level changed"})
