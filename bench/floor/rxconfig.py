"""The bare Reflex app `bench.load --floor` measures the portal against (see floor_app/floor_app.py)."""

import os

import reflex as rx

_port = int(os.environ.get("PORT", "8100"))
_public = os.environ.get("DCC_PUBLIC_URL", f"http://localhost:{_port}")
_redis = os.environ.get("REFLEX_REDIS_URL") or None

config = rx.Config(
    app_name="floor_app",
    db_url=None,
    redis_url=_redis,
    state_manager_mode="redis" if _redis else "memory",
    api_url=_public,
    deploy_url=_public,
    backend_port=_port,
    frontend_port=_port,
    cors_allowed_origins=[_public],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
