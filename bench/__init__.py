"""Benchmarks: commands that print figures (`python -m bench` runs them all)."""
