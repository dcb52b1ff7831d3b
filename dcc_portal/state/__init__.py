"""Thin Reflex states: read input, call one service, expose display-ready values."""
