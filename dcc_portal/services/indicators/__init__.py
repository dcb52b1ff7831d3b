"""Network indicators: the quality of pathways and RCPs for the DSRC and the 3C, as aggregates only (no patient is
ever named), computed with the targets of the pathway delays and the RCP quorum rule the screens use.

May import: common, access, record, rcp."""
