"""Undersigned: a self-hosted petition and local-campaign website."""
