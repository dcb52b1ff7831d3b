"""Who is signing in: accounts, passwords, TOTP, login and throttling, server-side sessions, the user charter and
the directory of organisations. May import common and access (for the audit trail)."""
