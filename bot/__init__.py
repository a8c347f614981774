"""Wiring and runtime: config, command line, app factory, middlewares, scheduler, delivery."""
