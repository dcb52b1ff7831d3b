"""Tumour boards (RCP): directory, sessions, registered cases, attendance and quorum, decisions, and the signed fiche
RCP. May import common, identity, access and record."""
