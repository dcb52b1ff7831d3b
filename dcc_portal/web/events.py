"""Events from the browser that no page sends: refused before any state changes, with one line in the log."""

from __future__ import annotations

import logging

from reflex.middleware import Middleware
from reflex.state import StateUpdate

logger = logging.getLogger("dcc_portal.web")


class RefuseSetvar(Middleware):
    """Reflex gives every state a `setvar` handler; the portal's pages never call it, and a client that does is
    probing: it gets nothing, and the log a warning instead of a stack trace."""

    async def preprocess(self, app, state, event):
        if event.name.rpartition(".")[2] == "setvar":
            logger.warning("refused a setvar event from a client: %r", event.name[:160])
            return StateUpdate()
        return None
