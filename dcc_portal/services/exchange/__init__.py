"""Exchange with the outside: CDA N1 documents, DMP metadata, MHD bundles and XDM packages, the persistent outboxes
with their workers (DMP sharing, e-mail) and operator exports.

May import: common, access, record."""
