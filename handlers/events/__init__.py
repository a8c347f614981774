"""Events and seminars: attending, organizing, reminders, calendar files."""
