"""Conformance checks of what the portal produces (CDA schema, ANS schematrons), for the tests and the export
command; not used when serving pages."""
