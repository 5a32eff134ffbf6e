"""A1 change log plumbing: what changed between two snapshots, one row per change written in the
changing transaction, one object's log read newest first, a page at a time."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from crmkit_fixtures import Note, NoteChange
from sqlalchemy import func, select

from crmkit import changelog
from crmkit.auth import STAFF, Actor
from crmkit.paging import Page

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
CLERK = Actor(kind=STAFF, subject_id="s-1", tenant_id="t1")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"name": "A", "price": 100}, {"name": "A", "price": 120}, ({"price": 100}, {"price": 120})),
        ({"name": "A"}, {"name": "A"}, ({}, {})),
        ({"tags": ("x", "y")}, {"tags": ["x", "y"]}, ({}, {})),
        ({"level": None}, {"level": "VIP"}, ({"level": None}, {"level": "VIP"})),
        ({}, {"region": "310104"}, ({"region": None}, {"region": "310104"})),
        ({"region": "310104"}, {}, ({"region": "310104"}, {"region": None})),
        ({"day": date(2026, 5, 1)}, {"day": date(2026, 5, 2)}, ({"day": "2026-05-01"}, {"day": "2026-05-02"})),
    ],
)
def test_a1_diff_keeps_only_the_fields_that_changed(before, after, expected):
    assert changelog.diff(before, after) == expected


def test_a1_jsonable_turns_times_tuples_and_sets_into_json():
    value = {"at": NOW, "ids": ("b", "a"), "set": {"y", "x"}, "n": {"inner": (1, 2)}}
    assert changelog.jsonable(value) == {
        "at": "2026-05-01T08:00:00+00:00",
        "ids": ["b", "a"],
        "set": ["x", "y"],
        "n": {"inner": [1, 2]},
    }


def write(db, action, before, after, *, commit=True, at=NOW, object_id="n1"):
    with db.uow() as uow:
        uow.session.add(Note(tenant_id="t1", text=action))
        written = changelog.record(
            uow.session,
            NoteChange,
            changelog.author(CLERK),
            tenant_id="t1",
            object_type="note",
            object_id=object_id,
            action=action,
            before=before,
            after=after,
            now=at,
        )
        if commit:
            uow.commit()
    return written


def test_a1_a_change_is_recorded_only_with_the_change_it_describes(any_db):
    write(any_db, "created", None, {"text": "hello"})
    write(any_db, "updated", {"text": "hello"}, {"text": "bye"}, commit=False)
    with any_db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Note)) == 1
        assert uow.session.scalar(select(func.count()).select_from(NoteChange)) == 1


def test_a1_saving_unchanged_values_writes_no_entry(any_db):
    assert write(any_db, "updated", {"text": "same"}, {"text": "same"}) is False
    with any_db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(NoteChange)) == 0


def test_a1_an_objects_log_reads_newest_first_with_before_after_actor_and_time(any_db):
    write(any_db, "created", None, {"text": "hello", "pinned": False}, at=NOW)
    write(
        any_db, "updated", {"text": "hello", "pinned": False}, {"text": "bye", "pinned": False}, at=NOW + timedelta(1)
    )
    write(any_db, "deleted", {"text": "bye"}, None, at=NOW + timedelta(2))
    write(any_db, "created", None, {"text": "other"}, object_id="n2")
    with any_db.uow() as uow:
        first, total = changelog.changes_of(uow.session, NoteChange, "t1", "note", "n1", Page(1, 2))
        second, _ = changelog.changes_of(uow.session, NoteChange, "t1", "note", "n1", Page(2, 2))
        other_tenant, none = changelog.changes_of(uow.session, NoteChange, "t2", "note", "n1", Page())
    assert total == 3 and (other_tenant, none) == ([], 0)
    assert [(c.action, c.before, c.after) for c in first + second] == [
        ("deleted", {"text": "bye"}, None),
        ("updated", {"text": "hello"}, {"text": "bye"}),
        ("created", None, {"text": "hello", "pinned": False}),
    ]
    assert (first[0].actor_kind, first[0].actor_id, first[0].at) == ("staff", "s-1", NOW + timedelta(2))
    message = changelog.change_to_proto(first[1])
    assert (json.loads(message.before_json), json.loads(message.after_json)) == ({"text": "hello"}, {"text": "bye"})
    assert message.at.ToDatetime(tzinfo=UTC) == NOW + timedelta(1)
    assert changelog.change_to_proto(first[0]).after_json == ""
