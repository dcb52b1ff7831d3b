"""The patient's record: patients and lists, diagnosis, pathway, announcement, reports, documents and their
versions, the CDA header every volet shares, downloads, in-portal and e-mail notifications, and pathway delays.

May import: common, access, identity."""
