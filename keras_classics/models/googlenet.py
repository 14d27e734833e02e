"""Placeholder: filled in by the builders work."""

__all__ = []
