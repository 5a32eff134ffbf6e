"""A service's words: error codes that carry their message key, events only from a catalogue,
and the source checks its tests run."""

from __future__ import annotations

import textwrap

import pytest
from crmkit_fixtures import note_written

from crmkit.errors import ErrorCodeEnum, InvalidInput, NotFound
from crmkit.events import EventCatalogue, Outgoing
from crmkit.source_checks import error_code_problems, missing_message_keys, unbuilt_events


class ErrorCode(ErrorCodeEnum):
    NOTE_NOT_FOUND = "NOTE_NOT_FOUND", "error.note_not_found"
    NOTE_INVALID = "NOTE_INVALID", "error.invalid_input"


def test_a_code_of_the_enumeration_brings_its_message_key_and_leaves_a_plain_string():
    err = NotFound(ErrorCode.NOTE_NOT_FOUND, params={"id": "n1"})

    assert (err.code, err.message_key) == ("NOTE_NOT_FOUND", "error.note_not_found")
    assert type(err.code) is str  # as a peer sees it after the wire
    assert NotFound(ErrorCode.NOTE_NOT_FOUND, "error.not_found").message_key == "error.not_found"
    assert (InvalidInput().code, InvalidInput().message_key) == ("INVALID_INPUT", "error.invalid_input")


def test_a_catalogue_builds_its_events_and_declares_each_type_once():
    catalogue = EventCatalogue("kit")

    @catalogue.publishes("note_archived")
    def note_archived(note_id: str) -> dict:
        return {"note_id": note_id}

    assert note_archived("n1") == Outgoing("kit", "note_archived", {"note_id": "n1"})
    assert catalogue.types == {"note_archived"}
    with pytest.raises(ValueError, match="declared twice"):
        catalogue.publishes("note_archived")(lambda: {})


def test_publish_takes_only_events_built_by_the_services_own_catalogue(sqlite_db):
    with sqlite_db.uow() as uow:
        uow.publish(note_written(text="fine"), "t1")
        with pytest.raises(TypeError):
            uow.publish("note_written", "t1")
        with pytest.raises(TypeError):
            uow.publish(Outgoing("orders", "order_submitted", {}), "t1")


def _package(tmp_path, **modules):
    package = tmp_path / "notes"
    package.mkdir()
    for name, text in modules.items():
        (package / f"{name}.py").write_text(textwrap.dedent(text))
    return package


def test_the_source_check_finds_codes_and_keys_written_as_text(tmp_path):
    package = _package(
        tmp_path,
        service="""
            from crmkit.errors import Conflict, NotFound
            from notes.errors import ErrorCode

            def fine(note_id):
                raise NotFound(ErrorCode.NOTE_NOT_FOUND, params={"id": note_id})

            def typo():
                raise NotFound(ErrorCode.NOTE_MISSING)

            def bare():
                raise Conflict("NOTE_LOCKED", message_key=f"error.note_locked")

            LOCAL_COPY = "NOTE_INVALID"
        """,
    )

    problems = error_code_problems(package, ErrorCode)

    assert [p.split(": ", 1)[1] for p in problems] == [
        "ErrorCode.NOTE_MISSING is not declared",
        "Conflict with a code written as text",
        "Conflict with a message key written as text",
        "'NOTE_INVALID' spelled out: use ErrorCode.NOTE_INVALID",
    ]


def test_the_source_check_names_keys_without_text_and_events_nobody_builds(tmp_path):
    (tmp_path / "zh_CN.json").write_text('{"error.note_not_found": "没有这条记录"}')
    assert missing_message_keys(ErrorCode, tmp_path) == ["zh_CN.json: NOTE_INVALID -> error.invalid_input"]

    catalogue = EventCatalogue("notes")
    catalogue.publishes("note_written")(lambda: {})

    @catalogue.publishes("note_archived")
    def note_archived() -> dict:
        return {}

    @catalogue.publishes("note_written_twice")
    def note_written_twice() -> dict:
        return {}

    package = _package(
        tmp_path,
        service="""
            from notes import events

            def archive(uow):
                uow.publish(events.note_archived(), "t1")
        """,
    )
    assert unbuilt_events(package, catalogue) == ["note_written", "note_written_twice"]
