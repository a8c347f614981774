"""Partnership memoranda and the partners they cover."""
