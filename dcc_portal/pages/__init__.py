"""One module per screen; importing a module registers its pages."""
