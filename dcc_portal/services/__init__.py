"""The domain: plain functions taking a database session and the acting user. No web framework here.

One package per area; a package may import the ones listed before it, never one after:
common, identity, access, record, rcp, pps, exchange."""
