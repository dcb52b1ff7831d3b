"""Who may see or change what: the access rule, care teams, emergency access, patients' oppositions, DMP visibility
flags, and the audit trail with its search. May import common."""
