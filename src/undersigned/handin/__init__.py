"""Hand-in: the pack (PDF and CSV) for the body a petition addresses; marking it handed in."""
