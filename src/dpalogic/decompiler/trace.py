"""Trace a Python loss function symbolically (placeholder, replaced below)."""
