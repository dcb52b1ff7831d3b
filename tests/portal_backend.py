"""Start the production backend again on the frontend already built by `reflex run --env prod --single-port`,
without compiling: what a process supervisor does after a crash (the crash test restarts the portal this way)."""

from __future__ import annotations

import os

from reflex_base.config import get_config
from reflex_base.constants import Env
from reflex_base.environment import environment
from reflex.utils import exec as reflex_exec

if __name__ == "__main__":
    environment.REFLEX_ENV_MODE.set(Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    config = get_config()
    reflex_exec.run_backend_prod(config.backend_host, int(os.environ["PORT"]), config.loglevel.subprocess_level(),
                                 mount_frontend_compiled_app=True)
