"""Tables of a throwaway service used to exercise crmkit's database plumbing."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.changelog import ChangeLogMixin
from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped
from crmkit.events import EventCatalogue


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Note(TenantScoped, Base):
    __tablename__ = "notes"
    text: Mapped[str] = mapped_column(String(200))


class NoteChange(ChangeLogMixin, TenantScoped, Base):
    __tablename__ = "note_changes"


# What the throwaway service publishes, as a real service's events.py lists it.
EVENTS = EventCatalogue("kit")


@EVENTS.publishes("note_written")
def note_written(**data) -> dict:
    return data
