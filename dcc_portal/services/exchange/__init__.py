"""Exchange with the outside: CDA N1 documents, DMP metadata, MHD bundles and XDM packages, the persistent outboxes
with their workers (DMP sharing, e-mail), operator exports, and the HL7 v2 feed of reports from hospital and
laboratory systems (MLLP listener, filing, identity-vigilance queue).

May import: common, access, record."""
