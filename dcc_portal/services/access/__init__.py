"""Who may see or change what: the access rule, the user charter that gates it, care teams, emergency access,
patients' oppositions, DMP visibility flags, and the audit trail with its search and export.

May import: common, record (the patient lists, notifications and download tickets its screens use)."""
