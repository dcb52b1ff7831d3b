"""The domain: plain functions taking a database session and the acting user. No web framework here."""
