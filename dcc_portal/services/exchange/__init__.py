"""Exchange with the outside: the CDA header and N1 documents, DMP metadata, MHD bundles and XDM packages, the
persistent outboxes with their workers (DMP sharing, e-mail) and operator exports. May import every other area."""
