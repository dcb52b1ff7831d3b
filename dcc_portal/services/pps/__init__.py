"""The programme personnalisé de soins: its content and value sets, where it is prefilled from, its versions and
handover, its calendar and its CDA.

May import: common, access, record."""
