"""Tables of a throwaway service used to exercise crmkit's database plumbing."""

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.changelog import ChangeLogMixin
from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped


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
