"""Demo data of the satisfaction survey (filled in below)."""
