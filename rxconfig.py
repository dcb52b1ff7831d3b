"""Reflex configuration. Deployment values come from the environment (see README, Configuration)."""

import reflex as rx

from dcc_portal import settings

_public = settings.public_url()

config = rx.Config(
    app_name="dcc_portal",
    # The portal opens its own engine (dcc_portal/db.py); REFLEX_DB_URL is read there.
    db_url=None,
    redis_url=settings.redis_url(),
    # One worker keeps the pages' state in memory; Reflex's default would write it, patient names included, to
    # files under .web at every event. Several workers share it through Redis.
    state_manager_mode="redis" if settings.redis_url() else "memory",
    api_url=_public,
    deploy_url=_public,
    backend_port=settings.port(),
    frontend_port=settings.port(),
    cors_allowed_origins=[_public],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", scaling="100%", appearance="light")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
