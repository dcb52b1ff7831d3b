"""DCC Portal: the shared oncology record of a regional cancer network."""
