"""Background work of particular features: delivery, reminders, broadcast progress, reports."""
