"""Abuse controls: rate limits, honeypot and proof of work, trending signers, invalidation rules."""
