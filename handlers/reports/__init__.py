"""Figures, charts and exports (the builders run in bot/workers)."""
