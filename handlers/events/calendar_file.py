"""An event as an iCalendar (.ics) file that phones add to their calendar with one tap."""

from __future__ import annotations

from datetime import UTC, datetime

from db.domain.events import Event


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """RFC 5545: lines longer than 75 octets continue on lines starting with a space."""
    folded, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            folded.append(current)
            current = " " + char
        else:
            current += char
    folded.append(current)
    return folded


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(event: Event, location: str, now: datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Seriktes//Partnership network//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:event-{event.id}@seriktes",
        f"SEQUENCE:{event.version}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(event.starts_at)}",
        f"DTEND:{_stamp(event.ends_at)}",
        f"SUMMARY:{_escape(event.title)}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{_escape(event.description)}")
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if event.online_url:
        lines.append(f"URL:{event.online_url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n").encode()
