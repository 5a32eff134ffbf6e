"""The merchants are in mainland China: a "day" (of visits, purchases, claim caps) is a China
day, whatever UTC says."""

from __future__ import annotations

from datetime import date, datetime

from crmkit.periods import CHINA


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()
