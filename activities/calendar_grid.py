"""The calendar's month and week grids, in the viewer's time zone.

A month shows whole weeks (Monday first) around the month; a week shows seven days with an
all-day row and one row per hour. Items are placed by their local start.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from activities.selectors import CalendarItem

VIEWS = ("month", "week")
HOURS = range(24)
FIRST_VISIBLE_HOUR = 7  # the week view opens scrolled to here


@dataclass
class Cell:
    day: date
    in_month: bool = True
    is_today: bool = False
    items: list[CalendarItem] = field(default_factory=list)


@dataclass
class HourRow:
    hour: int
    cells: list[Cell]

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"


@dataclass
class Grid:
    view: str
    anchor: date
    start: date  # first day shown
    end: date  # day after the last day shown
    title: str
    prev: date
    next: date
    days: list[date]  # the seven column days (first week for a month)
    weeks: list[list[Cell]] = field(default_factory=list)  # month
    all_day: list[Cell] = field(default_factory=list)  # week
    hours: list[HourRow] = field(default_factory=list)  # week

    def bounds(self, zone: Any) -> tuple[datetime, datetime]:
        """The instants the grid covers, for the item queries."""
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end, time.min, tzinfo=zone),
        )


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def grid_for(view: str, anchor: date) -> Grid:
    """The empty grid of ``view`` ("month" or "week") around ``anchor``."""
    if view == "week":
        start = monday(anchor)
        end = start + timedelta(days=7)
        last = end - timedelta(days=1)
        if start.month == last.month:
            title = f"{start.day}\N{EN DASH}{last.day} {start:%B %Y}"
        elif start.year == last.year:
            title = f"{start.day} {start:%b} \N{EN DASH} {last.day} {last:%b %Y}"
        else:
            title = f"{start.day} {start:%b %Y} \N{EN DASH} {last.day} {last:%b %Y}"
        return Grid(
            view="week",
            anchor=anchor,
            start=start,
            end=end,
            title=title,
            prev=start - timedelta(days=7),
            next=start + timedelta(days=7),
            days=[start + timedelta(days=n) for n in range(7)],
        )
    first = anchor.replace(day=1)
    following = _add_months(first, 1)
    start = monday(first)
    end = monday(following - timedelta(days=1)) + timedelta(days=7)
    return Grid(
        view="month",
        anchor=anchor,
        start=start,
        end=end,
        title=f"{first:%B %Y}",
        prev=_add_months(first, -1),
        next=following,
        days=[start + timedelta(days=n) for n in range(7)],
    )


def fill(grid: Grid, items: list[CalendarItem], *, today: date) -> Grid:
    """Place ``items`` (already sorted, starts in the viewer's zone) on ``grid``."""
    by_day: dict[date, list[CalendarItem]] = defaultdict(list)
    for item in items:
        by_day[item.start.date()].append(item)
    if grid.view == "month":
        day = grid.start
        while day < grid.end:
            week = []
            for _ in range(7):
                week.append(
                    Cell(
                        day,
                        in_month=day.month == grid.anchor.month,
                        is_today=day == today,
                        items=by_day.get(day, []),
                    )
                )
                day += timedelta(days=1)
            grid.weeks.append(week)
        return grid
    by_slot: dict[tuple[date, int], list[CalendarItem]] = defaultdict(list)
    for day in grid.days:
        all_day_items = []
        for item in by_day.get(day, []):
            if item.all_day:
                all_day_items.append(item)
            else:
                by_slot[(day, item.start.hour)].append(item)
        grid.all_day.append(Cell(day, is_today=day == today, items=all_day_items))
    grid.hours = [
        HourRow(
            hour,
            [
                Cell(day, is_today=day == today, items=by_slot.get((day, hour), []))
                for day in grid.days
            ],
        )
        for hour in HOURS
    ]
    return grid
