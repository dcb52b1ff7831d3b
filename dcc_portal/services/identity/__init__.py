"""Who is signing in: accounts, passwords, TOTP, login and throttling, server-side sessions, and the directory of
organisations.

May import: common, access."""
