"""The worker that empties the e-mail outbox (services/record/mail.py) through the SMTP server configured by environment.

It uses the outbox helpers the DMP worker uses (services/exchange/outbox.py): a message is claimed with a lease, sent, and
its outcome recorded only while the lease is held; a worker that dies mid-send leaves it to be taken again once the
lease is over, so nothing queued is lost on a restart. Connection errors, timeouts and 4xx answers are retried with
exponential backoff and jitter; a 5xx refusal of the recipient or of the message fails it for good (the address must
be fixed). Delivery is at least once: after a crash between the server's acceptance and the record of it, the
message is sent again with the same Message-ID, which mail clients use to drop the duplicate.
"""

from __future__ import annotations

import logging
import os
import random
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from dcc_portal import db as dbmod
from dcc_portal import settings
from dcc_portal.models import MailMessage, MailStatus, utcnow
from dcc_portal.services.exchange import outbox

logger = logging.getLogger("dcc_portal.mail")
CLAIMABLE = (MailStatus.PENDING, MailStatus.RETRYING, MailStatus.SENDING)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class MailConfig:
    host: str = ""  # no host: messages are queued but not sent
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    sender: str = "DCC Portal <no-reply@localhost>"
    timeout: float = 30.0
    lease: float = 120.0
    retry_base: float = 60.0
    retry_max: float = 3600.0
    poll: float = 10.0
    batch: int = 20

    @classmethod
    def from_env(cls) -> MailConfig:
        try:
            port = int(os.environ.get("DCC_SMTP_PORT", "") or 587)
        except ValueError:
            port = 587
        domain = urlsplit(settings.public_url()).hostname or "localhost"
        return cls(
            host=os.environ.get("DCC_SMTP_HOST", "").strip(),
            port=port,
            user=os.environ.get("DCC_SMTP_USER", ""),
            password=os.environ.get("DCC_SMTP_PASSWORD", ""),
            starttls=_env_bool("DCC_SMTP_STARTTLS", True),
            sender=os.environ.get("DCC_MAIL_FROM", "").strip() or f"DCC Portal <no-reply@{domain}>",
            timeout=outbox.env_float("DCC_MAIL_TIMEOUT", 30.0),
            lease=outbox.env_float("DCC_MAIL_LEASE", 120.0),
            retry_base=outbox.env_float("DCC_MAIL_RETRY_BASE", 60.0),
            retry_max=outbox.env_float("DCC_MAIL_RETRY_MAX", 3600.0),
            poll=outbox.env_float("DCC_MAIL_POLL", 10.0),
        )

    @property
    def lease_seconds(self) -> float:
        """A lease outlives a whole SMTP exchange (connect, STARTTLS, login, data: each bounded by the timeout)."""
        return max(self.lease, 4 * self.timeout + 1.0)


@dataclass(frozen=True)
class Result:
    message_public_id: str
    outcome: str  # sent | retry | failed | lost_lease
    detail: str


class MailWorker:
    """Empties one outbox table over SMTP. Subclasses (the MSSanté worker) change the table, the message, the TLS
    context and what is recorded with an outcome."""

    model = MailMessage
    label = "mail"
    host_variable = "DCC_SMTP_HOST"

    def __init__(self, config: MailConfig, *, db_url: str | None = None, name: str = "",
                 clock: Callable[[], datetime] = utcnow, rng: random.Random | None = None):
        self.config = config
        self.db_url = db_url
        self.name = outbox.worker_name(name)
        self.clock = clock
        self.rng = rng or random.Random()

    def claim(self, now: datetime) -> int | None:
        return outbox.claim(self.db_url, self.model, claimable=CLAIMABLE, sending=MailStatus.SENDING, owner=self.name,
                            lease_seconds=self.config.lease_seconds, now=now)

    def headers(self, row) -> EmailMessage:
        """From, To, Date and a Message-ID that is the same at every attempt."""
        message = EmailMessage()
        name, address = parseaddr(self.config.sender)
        message["From"] = formataddr((name, address)) if address else self.config.sender
        message["To"] = row.to_address
        message["Date"] = format_datetime(row.created_at)
        domain = address.rsplit("@", 1)[-1] if "@" in address else "localhost"
        message["Message-ID"] = f"<{row.public_id}@{domain}>"
        return message

    def build(self, db, row) -> EmailMessage:
        message = self.headers(row)
        message["Subject"] = row.subject
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(row.body)
        return message

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context()

    def envelope_options(self, smtp: smtplib.SMTP, message: EmailMessage, to_address: str) -> tuple[list[str], list[str]]:
        """ESMTP parameters of MAIL FROM and RCPT TO (none for plain notifications)."""
        return [], []

    def _send(self, message: EmailMessage, to_address: str) -> tuple[str, str]:
        """(outcome, detail) of one SMTP exchange: sent, retry or failed."""
        config = self.config
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
                smtp.ehlo()
                if config.starttls:
                    smtp.starttls(context=self.tls_context())
                    smtp.ehlo()
                if config.user:
                    smtp.login(config.user, config.password)
                mail_options, rcpt_options = self.envelope_options(smtp, message, to_address)
                smtp.send_message(message, to_addrs=[to_address], mail_options=mail_options, rcpt_options=rcpt_options)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return ("failed" if code >= 500 else "retry"), f"Destinataire refusé ({code} {_text(text)})."
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
            return ("failed" if error.smtp_code >= 500 else "retry"), f"Message refusé ({error.smtp_code} {_text(error.smtp_error)})."
        except smtplib.SMTPAuthenticationError as error:
            return "retry", f"Authentification SMTP refusée ({error.smtp_code}) : vérifiez DCC_SMTP_USER / DCC_SMTP_PASSWORD."
        except ssl.SSLError as error:
            return "retry", f"Échec de la négociation TLS ({_text(error.reason or error)})."
        except (smtplib.SMTPException, OSError) as error:  # connection refused, timeout, disconnection
            return "retry", f"Serveur SMTP injoignable ({type(error).__name__})."
        return "sent", "accepté par le serveur SMTP"

    def prepare(self, db, row) -> tuple[EmailMessage | None, str]:
        """The message to send, or (None, reason) when it cannot be built (the row fails for good)."""
        return self.build(db, row), ""

    def recorded(self, db, row_id: int, outcome: str, detail: str) -> None:
        """What else is written with an outcome (in the same transaction)."""

    def process(self, message_id: int, now: datetime) -> Result:
        with dbmod.transaction(self.db_url) as db:
            row = db.get(self.model, message_id)
            public_id, to_address, attempts = row.public_id, row.to_address, row.attempts
            message, problem = self.prepare(db, row)
        if problem:
            outcome, detail = "failed", problem
        elif not self.config.host:
            outcome, detail = "retry", f"Aucun serveur SMTP configuré ({self.host_variable})."
        else:
            outcome, detail = self._send(message, to_address)
        finished = self.clock()
        values: dict = {"updated_at": finished}
        if outcome == "sent":
            values |= {"status": MailStatus.SENT, "sent_at": finished, "next_attempt_at": None, "last_error": ""}
        elif outcome == "retry":
            values |= {"status": MailStatus.RETRYING, "last_error": detail[:500],
                       "next_attempt_at": finished + outbox.backoff(attempts, base=self.config.retry_base,
                                                                     cap=self.config.retry_max, rng=self.rng)}
        else:
            values |= {"status": MailStatus.FAILED, "next_attempt_at": None, "last_error": detail[:500]}
        with dbmod.transaction(self.db_url) as db:
            kept = outbox.finish(db, self.model, row_id=message_id, sending=MailStatus.SENDING, owner=self.name,
                                 values=values)
            if kept:
                self.recorded(db, message_id, outcome, detail)
        if not kept:
            outcome = "lost_lease"
        logger.info("%s %s: %s (%s)", self.label, public_id, outcome, detail)
        return Result(public_id, outcome, detail)

    def run_once(self, *, limit: int | None = None) -> list[Result]:
        """Send every due message (at most `limit`); returns what happened to each."""
        results: list[Result] = []
        for _ in range(limit or self.config.batch):
            now = self.clock()
            message_id = self.claim(now)
            if message_id is None:
                break
            results.append(self.process(message_id, now))
        return results

    def run_forever(self, stop: threading.Event) -> None:
        logger.info("%s worker %s started, SMTP %s:%s", self.label, self.name, self.config.host or "(none)", self.config.port)
        outbox.run_forever(self.run_once, stop=stop, poll=self.config.poll, logger=logger, label=f"{self.label} worker {self.name}")


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:200]


async def lifespan_task() -> None:
    """Started with the portal (Reflex lifespan task). DCC_MAIL_WORKER=0 turns it off (e.g. when
    `python -m dcc_portal mail-worker` runs as its own service); without DCC_SMTP_HOST messages wait in the outbox."""
    if os.environ.get("DCC_MAIL_WORKER", "1") == "0":
        return
    config = MailConfig.from_env()
    if not config.host:
        logger.warning("DCC_SMTP_HOST is not set: e-mail notifications are queued but not sent")
        return
    worker = MailWorker(config)
    await outbox.run_in_portal(worker.run_once, poll=config.poll, logger=logger, label="mail worker")
