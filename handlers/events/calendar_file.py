"""An event as an iCalendar (.ics) file that phones add to their calendar with one tap."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from db.domain.events import Event


def ics(event: Event, location: str, now: datetime) -> bytes:
    """The event as RFC 5545 text; the UID and SEQUENCE let a calendar replace an older copy."""
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}@seriktes")
    entry.add("sequence", event.version)
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.description:
        entry.add("description", event.description)
    if location:
        entry.add("location", location)
    if event.online_url:
        entry.add("url", event.online_url)
    calendar = Calendar()
    calendar.add("prodid", "-//Seriktes//Partnership network//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    text: bytes = calendar.to_ical()
    return text
