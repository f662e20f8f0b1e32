"""Functional administration: organisations, partnerships and people. No client content here."""
