"""Registration, language, profile, invitations, and people's own data."""
