"""The practice itself: mentors' visits, hours, progress, and a mentor's students."""
