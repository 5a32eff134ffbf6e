"""F4: a staff member lists and marks read only their own notifications, in their own tenant."""

from datetime import UTC, datetime, timedelta

import pytest
from messaging_testkit import ref

from crm.common.v1 import common_pb2
from crm.messaging.v1 import messaging_pb2
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from messaging.domain.notifications import NotificationDraft
from messaging.service.notifications import add_notifications

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


def seed(db, tenant_id, staff_id, count, *, start=T0):
    """`count` notifications for one person, one minute apart; returns subjects oldest first."""
    subjects = []
    for i in range(count):
        subject = f"customer:{ref('c')}"
        draft = NotificationDraft(
            staff_id, "customer_registered", "notification.customer_registered", {"i": str(i)}, subject
        )
        with db.uow() as uow:
            add_notifications(uow, tenant_id, ref("evt"), [draft], now=start + timedelta(minutes=i))
            uow.commit()
        subjects.append(subject)
    return subjects


def listing(messaging, token, *, page=0, page_size=0, unread_only=False):
    req = messaging_pb2.ListNotificationsRequest(
        page=common_pb2.PageRequest(page=page, page_size=page_size), unread_only=unread_only
    )
    return messaging.call("ListNotifications", req, token=token)


def mark(messaging, token, ids=(), all=False):
    req = messaging_pb2.MarkNotificationsReadRequest(ids=list(ids), all=all)
    return messaging.call("MarkNotificationsRead", req, token=token)


def test_f4_inbox_is_newest_first_and_paginated(messaging, db, staff_token):
    tenant, me = ref("t"), ref("s")
    subjects = seed(db, tenant, me, 5)
    token = staff_token(tenant, me)
    first = listing(messaging, token, page=1, page_size=2)
    second = listing(messaging, token, page=3, page_size=2)
    assert [n.subject for n in first.notifications] == subjects[::-1][:2]
    assert [n.subject for n in second.notifications] == subjects[::-1][4:]
    assert (first.page.page, first.page.page_size, first.page.total, first.unread_count) == (1, 2, 5, 5)
    note = first.notifications[0]
    assert (note.kind, note.title_key, dict(note.params), note.read) == (
        "customer_registered",
        "notification.customer_registered",
        {"i": "4"},
        False,
    )
    assert note.created_at.ToDatetime(tzinfo=UTC) == T0 + timedelta(minutes=4)


def test_f4_default_page_is_first_twenty(messaging, db, staff_token):
    tenant, me = ref("t"), ref("s")
    seed(db, tenant, me, 21)
    resp = listing(messaging, staff_token(tenant, me))
    assert (len(resp.notifications), resp.page.page, resp.page.page_size, resp.page.total) == (20, 1, 20, 21)


def test_f4_page_size_over_100_is_refused(messaging, staff_token):
    with pytest.raises(InvalidInput) as err:
        listing(messaging, staff_token(ref("t"), ref("s")), page_size=101)
    assert err.value.fields == {"page.page_size": "validation.invalid"}


def test_f4_staff_sees_only_own_notifications(messaging, db, staff_token):
    tenant, me, colleague = ref("t"), ref("s"), ref("s")
    seed(db, tenant, me, 1)
    seed(db, tenant, colleague, 3)
    resp = listing(messaging, staff_token(tenant, me))
    assert (resp.page.total, resp.unread_count) == (1, 1)


def test_f4_same_staff_id_in_another_tenant_sees_nothing(messaging, db, staff_token):
    me = ref("s")
    seed(db, ref("t"), me, 2)
    resp = listing(messaging, staff_token(ref("t"), me))
    assert (list(resp.notifications), resp.page.total, resp.unread_count) == ([], 0, 0)


def test_f4_marking_read_by_id_updates_unread_filter_and_count(messaging, db, staff_token):
    tenant, me = ref("t"), ref("s")
    seed(db, tenant, me, 3)
    token = staff_token(tenant, me)
    newest = listing(messaging, token).notifications[0]
    assert mark(messaging, token, [newest.id]).unread_count == 2
    unread = listing(messaging, token, unread_only=True)
    assert newest.id not in [n.id for n in unread.notifications]
    assert (unread.page.total, unread.unread_count) == (2, 2)
    assert listing(messaging, token).notifications[0].read is True
    # marking it again is harmless
    assert mark(messaging, token, [newest.id]).unread_count == 2


def test_f4_marking_anothers_notification_is_not_found_and_marks_nothing(messaging, db, staff_token):
    tenant, me, colleague = ref("t"), ref("s"), ref("s")
    seed(db, tenant, me, 1)
    seed(db, tenant, colleague, 1)
    mine = listing(messaging, staff_token(tenant, me)).notifications[0].id
    theirs = listing(messaging, staff_token(tenant, colleague)).notifications[0].id
    with pytest.raises(NotFound) as err:
        mark(messaging, staff_token(tenant, me), [mine, theirs])
    assert (err.value.code, err.value.params) == ("NOTIFICATION_NOT_FOUND", {"id": theirs})
    assert listing(messaging, staff_token(tenant, me)).unread_count == 1
    assert listing(messaging, staff_token(tenant, colleague)).unread_count == 1


def test_f4_marking_another_tenants_notification_is_not_found(messaging, db, staff_token):
    me = ref("s")
    tenant_a, tenant_b = ref("t"), ref("t")
    seed(db, tenant_a, me, 1)
    foreign = listing(messaging, staff_token(tenant_a, me)).notifications[0].id
    with pytest.raises(NotFound):
        mark(messaging, staff_token(tenant_b, me), [foreign])
    assert listing(messaging, staff_token(tenant_a, me)).unread_count == 1


def test_f4_mark_all_read_touches_only_own(messaging, db, staff_token):
    tenant, me, colleague = ref("t"), ref("s"), ref("s")
    seed(db, tenant, me, 4)
    seed(db, tenant, colleague, 2)
    assert mark(messaging, staff_token(tenant, me), all=True).unread_count == 0
    assert listing(messaging, staff_token(tenant, me), unread_only=True).page.total == 0
    assert listing(messaging, staff_token(tenant, colleague)).unread_count == 2


def test_f4_mark_read_needs_ids_or_all(messaging, staff_token):
    with pytest.raises(InvalidInput) as err:
        mark(messaging, staff_token(ref("t"), ref("s")))
    assert err.value.fields == {"ids": "validation.required"}


def test_f4_service_token_has_no_inbox(messaging):
    with pytest.raises(PermissionDenied) as err:
        messaging.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), as_service=True, tenant_id="t1")
    assert err.value.code == "STAFF_ONLY"
