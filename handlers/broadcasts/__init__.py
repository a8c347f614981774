"""Announcements to an audience, previewed and confirmed once."""
