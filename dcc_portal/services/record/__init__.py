"""The patient's record: patients and lists, diagnosis, pathway, announcement, reports, documents and their
versions, downloads, notifications, delays, and the GP's area. May import common, identity and access."""
