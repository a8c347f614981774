"""Pieces every feature shares: answering, formatting, dates, filters, menus, notices, errors."""
