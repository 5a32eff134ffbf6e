"""Schemas of the staff notification inbox (F4)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length
from marshmallow import ValidationError, validates_schema

from crmkit.protos import datetime_of
from gateway import i18n
from gateway.api.common import PageOut, PageQuery


class NotificationQuery(PageQuery):
    unread_only = Boolean(load_default=False)


class NotificationOut(Schema):
    id = String(required=True)
    kind = String(metadata={"description": "e.g. customer_registered"})
    title = String(metadata={"description": "Rendered in the caller's language"})
    params = Dict(keys=String(), values=String())
    subject = String(metadata={"description": "What it is about, e.g. customer:<id>"})
    read = Boolean()
    created_at = DateTime()


class NotificationListOut(Schema):
    notifications = List(Nested(NotificationOut))
    page = Nested(PageOut)
    unread_count = Integer()


class MarkReadIn(Schema):
    ids = List(String(validate=Length(min=1, max=64)), validate=Length(max=200))
    all = Boolean(load_default=False)

    @validates_schema
    def ids_or_all(self, data, **kwargs):
        # Exactly one way to say what to mark: "all" with ids too is ambiguous.
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ValidationError("validation.ids_or_all", field_name="ids")


class UnreadCountOut(Schema):
    unread_count = Integer()


def notification_dict(notification, language: str) -> dict:
    params = dict(notification.params)
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": i18n.render(notification.title_key, params, language=language, fallback="notification.generic"),
        "params": params,
        "subject": notification.subject,
        "read": notification.read,
        "created_at": datetime_of(notification, "created_at"),
    }
