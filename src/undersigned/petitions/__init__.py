"""Petitions: petition pages, signatures, the sign flow and counts."""
