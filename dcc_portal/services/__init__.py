"""The domain: plain functions taking a database session and the acting user. No web framework here.

One package per area of the domain; each package's docstring says what it owns and which others it may import
(tests/test_architecture.py holds them to it). No two modules import each other, directly or in a loop."""
