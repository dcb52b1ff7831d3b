"""The Reflex app: builds rx.App and imports the pages. Nothing else lives here."""

import logging
import uuid

import reflex as rx

from dcc_portal import db, memory, texts, web
from dcc_portal.state import live_signal
from dcc_portal.web import events as web_events
from dcc_portal.pages import (  # noqa: F401  registers the pages
    account,
    admin,
    audit,
    common,
    document,
    gp,
    indicators,
    login,
    mssante_admin,
    notifications,
    patient,
    pps_patient,
    pps_team,
    rcp,
    rcp_live,
    record_search,
    sharing,
    symptoms,
    team,
    vigilance,
)
from dcc_portal.services.common.errors import (
    AccessDenied,
    DomainError,
    NotAuthenticated,
    ValidationFailed,
)
from dcc_portal.services.exchange import mail_worker, mssante_worker, sharing_worker
from dcc_portal.services.indicators import summary as indicator_summary
from dcc_portal.services.symptoms import alerts as symptom_alerts
from dcc_portal.services.symptoms import invitations as symptom_invitations

logger = logging.getLogger("dcc_portal")


def handle_backend_exception(exception: Exception):
    """Known domain refusals become navigation or a message; anything else is logged with a reference."""
    if isinstance(exception, NotAuthenticated):
        return rx.redirect("/login")
    if isinstance(exception, AccessDenied):
        return rx.redirect("/forbidden")
    if isinstance(exception, (ValidationFailed, DomainError)):
        return rx.toast.error(exception.message, position="top-center")
    if db.is_contention(exception):
        # Other writers kept the database busy through every attempt: the user is asked to try again, nothing more.
        logger.warning("database busy after %s attempts: %s", db.ATTEMPTS, type(exception).__name__)
        return rx.toast.warning(texts.COMMON["busy"], position="top-center")
    reference = uuid.uuid4().hex[:8]
    logger.error("unhandled error, reference %s", reference, exc_info=exception)
    return rx.toast.error(f"{texts.COMMON['generic_error']} {reference}.", position="top-center", duration=15000)


app = rx.App(
    backend_exception_handler=handle_backend_exception,
    head_components=[
        rx.el.meta(name="robots", content="noindex, nofollow"),
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
    ],
    html_lang="fr",
    api_transformer=web.TRANSFORMERS,
)
app.add_middleware(web_events.RefuseSetvar())
# The DMP outbox is sent by a worker that lives as long as the portal (several backend processes share the work
# through database leases); `python -m dcc_portal sharing-worker` runs it alone.
app.register_lifespan_task(sharing_worker.lifespan_task)
# Same for the e-mail outbox (`python -m dcc_portal mail-worker` runs it alone).
app.register_lifespan_task(mail_worker.lifespan_task)
# Same for the MSSanté outbox (documents addressed by secure health messaging).
app.register_lifespan_task(mssante_worker.lifespan_task)
# Immediate symptom alerts nobody acknowledged in time go to the team's physicians.
app.register_lifespan_task(symptom_alerts.lifespan_task)
# The summary tables of the Indicateurs area are recounted on a timer (the page says how fresh they are).
app.register_lifespan_task(indicator_summary.lifespan_task)
# Patients who turned e-mails on are invited to the weekly symptom check-in (once a week each).
app.register_lifespan_task(symptom_invitations.lifespan_task)
# The live sitting's change signals from the other workers (through Redis).
app.register_lifespan_task(live_signal.lifespan_task)
# What the app built at start-up is kept for the life of the process: out of the garbage collector's way.
app.register_lifespan_task(memory.lifespan_task)
