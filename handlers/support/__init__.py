"""Confidential support between a person and the support staff."""
