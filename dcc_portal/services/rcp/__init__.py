"""Tumour boards (RCP): directory, sessions, registered cases, attendance and quorum, decisions, and the signed fiche
RCP with its print view, PDF and CDA.

May import: common, access, identity, record."""
