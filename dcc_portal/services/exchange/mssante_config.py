"""How the portal reaches its MSSanté operator: the SMTP submission and IMAP services, the application's certificate,
the sending mailbox (environment variables DCC_MSS_*)."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from email.utils import parseaddr

from dcc_portal.services.exchange import outbox
from dcc_portal.services.exchange.mail_worker import MailConfig

WORKER_ROLE = "mssante"  # actor_role of the audit events of the worker and the inbox reader


@dataclass(frozen=True)
class MssConfig(MailConfig):
    cert: str = ""  # the application's certificate (PEM) and key, presented to the operator
    key: str = ""
    ca: str = ""  # the CA that signs the operator's server certificate (IGC Santé)
    network: str = "ONCO-DÉMO"
    imap_port: int = 0  # the operator's IMAP service, where its notifications are read (0: not read)
    inbox_poll: float = 60.0

    @property
    def mailbox(self) -> str:
        """The sending mailbox, where the notifications come back."""
        return parseaddr(self.sender)[1].lower()

    @classmethod
    def from_env(cls) -> MssConfig:
        try:
            port = int(os.environ.get("DCC_MSS_PORT", "") or 587)
        except ValueError:
            port = 587
        return cls(
            host=os.environ.get("DCC_MSS_HOST", "").strip(), port=port, starttls=True,
            sender=os.environ.get("DCC_MSS_FROM", "").strip() or "DCC ONCO-DÉMO <dcc@onco-demo.mssante.fr>",
            cert=os.environ.get("DCC_MSS_CERT", ""), key=os.environ.get("DCC_MSS_KEY", ""),
            ca=os.environ.get("DCC_MSS_CA", ""),
            timeout=outbox.env_float("DCC_MSS_TIMEOUT", 30.0), lease=outbox.env_float("DCC_MSS_LEASE", 120.0),
            retry_base=outbox.env_float("DCC_MSS_RETRY_BASE", 60.0),
            retry_max=outbox.env_float("DCC_MSS_RETRY_MAX", 3600.0), poll=outbox.env_float("DCC_MSS_POLL", 5.0),
            imap_port=int(outbox.env_float("DCC_MSS_IMAP_PORT", 0)),
            inbox_poll=outbox.env_float("DCC_MSS_INBOX_POLL", 60.0),
        )


def client_context(config: MssConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.ca or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if config.cert:
        context.load_cert_chain(config.cert, config.key or None)
    return context
