"""Supporters: what signers agreed to hear about, and the wording they agreed to."""
