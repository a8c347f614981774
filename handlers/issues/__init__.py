"""Schools' requests: posting a need and the university's triage."""
