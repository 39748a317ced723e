"""Settings split by purpose: ``base`` (shared), ``dev``, ``demo``, ``test`` and ``production``."""
