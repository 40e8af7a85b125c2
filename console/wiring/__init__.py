"""Wiring: connects the core's event bus to the store (the automatic timeline)."""
