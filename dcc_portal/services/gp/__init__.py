"""The GP's area (phones): my patients with what is new since my last visit, one patient's pathway with its delays,
and the documents shared with me.

May import: common, access, record, pps."""
