"""Reflex configuration. Deployment values come from the environment (see README, Configuration)."""

import os

import reflex as rx

from dcc_portal import settings

if settings.redis_url():
    # Each worker keeps the states of its own connections in memory between their events (Reflex's opportunistic
    # lock), writing them to Redis when the lease ends or another worker asks for them, instead of a Redis read and
    # write around every event: browsing p95 1.4 s -> 0.49 s at 600 sessions on the regional dataset (README,
    # Performance). Set REFLEX_OPLOCK_ENABLED=false to turn it off.
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")
    # A lease ends 8 s after it took the connection's lock, which expires after 10 s: Reflex's default (half, 5 s)
    # mostly served one page per lease; 8 s costs 4-5% less CPU per event and leaves 2 s for the lease's last write
    # (README, Performance: paired runs).
    os.environ.setdefault("REFLEX_OPLOCK_HOLD_TIME", "8s")

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
