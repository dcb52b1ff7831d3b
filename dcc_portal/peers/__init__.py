"""Local counterparts of outside systems for the demo and the tests (the DMP document recipient). Real servers
speaking the real protocol; the portal never imports them."""
