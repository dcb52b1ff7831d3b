"""The worker that empties the DMP outbox: claim a due submission with a lease, send it (ITI-65 over httpx), record
the outcome.

- Claim: one UPDATE ... WHERE status/next_attempt_at still allow it (compare-and-set): two workers, threads or
  processes never hold the same submission. A claimed submission is `sending` until `next_attempt_at` = the end of
  its lease; a worker that dies mid-send leaves it there, and once the lease is over any worker takes it again.
- The versions of one document go in order, and the metadata updates of a version after it: a submission waits
  while an older version (or an older metadata version) of the same document is
  still open.
- Send: the same identifiers and the same CDA bytes every time. The recipient's "already registered" answer
  (OperationOutcome duplicate / XDSDuplicateUniqueIdInRegistry) counts as a success: a send is never registered twice.
- Outcome: recorded only while the worker still holds the lease. Timeouts, connection errors, 5xx, 408/425/429:
  retry with exponential backoff, equal jitter and a cap. Other 4xx: rejected, the recipient's reason on the board.
- Every attempt is kept (SharingAttempt); a registration or a refusal is an audited export of patient data.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased

from dcc_portal import db as dbmod
from dcc_portal.models import (
    OPEN_SUBMISSION_STATUSES,
    AuditAction,
    AuditOutcome,
    Document,
    DocumentStatus,
    Patient,
    SharingAttempt,
    SharingSubmission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.exchange import cda_n1, mhd, outbox, sharing
from dcc_portal.services.exchange.outbox import backoff, env_float

__all__ = ["Result", "Worker", "WorkerConfig", "backoff", "lifespan_task"]

logger = logging.getLogger("dcc_portal.sharing")
WORKER_ROLE = "sharing"  # actor_role of the worker's audit events (no portal account)
CLAIMABLE = (SubmissionStatus.PENDING, SubmissionStatus.RETRYING, SubmissionStatus.SENDING)


@dataclass(frozen=True)
class WorkerConfig:
    url: str = ""  # the recipient's FHIR base (ITI-65 is a POST of the transaction Bundle to it)
    token: str = ""  # bearer token
    username: str = ""  # basic authentication, when there is no token
    password: str = ""
    timeout: float = 30.0
    lease: float = 120.0
    retry_base: float = 30.0
    retry_max: float = 3600.0
    poll: float = 5.0
    batch: int = 20

    @classmethod
    def from_env(cls) -> WorkerConfig:
        return cls(
            url=os.environ.get("DCC_SHARING_URL", "").strip().rstrip("/"),
            token=os.environ.get("DCC_SHARING_TOKEN", ""),
            username=os.environ.get("DCC_SHARING_USERNAME", ""),
            password=os.environ.get("DCC_SHARING_PASSWORD", ""),
            timeout=env_float("DCC_SHARING_TIMEOUT", 30.0),
            lease=env_float("DCC_SHARING_LEASE", 120.0),
            retry_base=env_float("DCC_SHARING_RETRY_BASE", 30.0),
            retry_max=env_float("DCC_SHARING_RETRY_MAX", 3600.0),
            poll=env_float("DCC_SHARING_POLL", 5.0),
        )

    @property
    def lease_seconds(self) -> float:
        """A lease always outlives the HTTP timeout: a slow answer is never mistaken for a dead worker."""
        return max(self.lease, self.timeout + 1.0)


@dataclass(frozen=True)
class Result:
    submission_public_id: str
    outcome: str
    message: str


class Worker:
    def __init__(self, config: WorkerConfig, *, db_url: str | None = None, name: str = "",
                 clock: Callable[[], datetime] = utcnow, rng: random.Random | None = None,
                 client: httpx.Client | None = None):
        self.config = config
        self.db_url = db_url
        self.name = outbox.worker_name(name)
        self.clock = clock
        self.rng = rng or random.Random()
        self._client = client

    # ------------------------------------------------------------------------------------------- HTTP

    def client(self) -> httpx.Client:
        if self._client is None:
            auth = None
            headers = {"Accept": mhd.FHIR_JSON, "Content-Type": mhd.FHIR_JSON}
            if self.config.token:
                headers["Authorization"] = f"Bearer {self.config.token}"
            elif self.config.username:
                auth = httpx.BasicAuth(self.config.username, self.config.password)
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.config.timeout, connect=min(5.0, self.config.timeout)),
                headers=headers, auth=auth, follow_redirects=False,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _post(self, body: bytes) -> tuple[mhd.Answer, int | None]:
        try:
            response = self.client().post(self.config.url, content=body)
        except httpx.TimeoutException:
            return mhd.Answer("retry", f"Pas de réponse du destinataire en {self.config.timeout:g} s."), None
        except httpx.TransportError as error:
            return mhd.Answer("retry", f"Destinataire injoignable ({type(error).__name__})."), None
        return mhd.read_answer(response.status_code, response.content), response.status_code

    # ------------------------------------------------------------------------------------------- claim

    def claim(self, now: datetime) -> int | None:
        """Take one due submission (compare-and-set), or None."""
        older = aliased(SharingSubmission)
        waiting_for_older = exists().where(
            older.document_id == SharingSubmission.document_id,
            or_(older.document_version < SharingSubmission.document_version,
                and_(older.document_version == SharingSubmission.document_version,
                     older.metadata_version < SharingSubmission.metadata_version)),
            older.status.in_(list(OPEN_SUBMISSION_STATUSES)),
        )
        return outbox.claim(self.db_url, SharingSubmission, claimable=CLAIMABLE, sending=SubmissionStatus.SENDING,
                            owner=self.name, lease_seconds=self.config.lease_seconds, now=now, extra=[~waiting_for_older])

    # ------------------------------------------------------------------------------------------- one submission

    def _prepare(self, submission_id: int, now: datetime) -> tuple[bytes | None, mhd.Answer | None, int]:
        """The request body, or a local outcome (rejected / cancelled) without any HTTP call."""
        with dbmod.transaction(self.db_url) as db:
            submission = db.get(SharingSubmission, submission_id)
            attempt = SharingAttempt(submission_id=submission.id, number=submission.attempts, worker=self.name, started_at=now)
            db.add(attempt)
            db.flush()
            attempt_id = attempt.id
            patient = db.get(Patient, submission.patient_id)
            document = db.get(Document, submission.document_id)
            withdrawal = submission.kind == SubmissionKind.WITHDRAWAL  # removing a document from the DMP always goes
            if patient.dmp_opposed_at is not None and not withdrawal:
                return None, mhd.Answer("cancelled", sharing.OPPOSITION_REASON), attempt_id
            if document.status != DocumentStatus.VALIDATED and not withdrawal:
                return None, mhd.Answer("cancelled", "Document retiré (saisi par erreur)."), attempt_id
            if not self.config.url:
                return None, mhd.Answer("retry", "Aucun destinataire configuré (DCC_SHARING_URL)."), attempt_id
            try:
                meta, data = sharing.metadata_for(db, submission=submission, now=now)
            except cda_n1.NotShareable as problem:
                return None, mhd.Answer("rejected", problem.reason), attempt_id
            submission.sent_visibility = " ".join(meta.visibility_codes)  # what the DMP holds once acknowledged
            db.add(submission)
            return mhd.dumps(mhd.provide_bundle(meta, data)), None, attempt_id

    def _record(self, submission_id: int, attempt_id: int, answer: mhd.Answer, http_status: int | None,
                finished: datetime) -> str:
        """Write the outcome if this worker still holds the lease; returns the outcome recorded."""
        with dbmod.transaction(self.db_url) as db:
            submission = db.get(SharingSubmission, submission_id)
            values: dict = {"last_http_status": http_status, "updated_at": finished}
            next_at = None
            if answer.outcome in ("acknowledged", "duplicate"):
                values |= {"status": SubmissionStatus.ACKNOWLEDGED, "acknowledged_at": finished, "next_attempt_at": None,
                           "last_error": ""}
                if answer.recipient_id:
                    values["recipient_id"] = answer.recipient_id
            elif answer.outcome == "retry":
                next_at = finished + backoff(submission.attempts, base=self.config.retry_base, cap=self.config.retry_max,
                                             rng=self.rng)
                values |= {"status": SubmissionStatus.RETRYING, "next_attempt_at": next_at, "last_error": answer.message[:500]}
            elif answer.outcome == "cancelled":
                values |= {"status": SubmissionStatus.CANCELLED, "next_attempt_at": None, "closed_reason": answer.message[:300]}
            else:
                values |= {"status": SubmissionStatus.REJECTED, "next_attempt_at": None, "last_error": answer.message[:500]}
            kept = outbox.finish(db, SharingSubmission, row_id=submission_id, sending=SubmissionStatus.SENDING,
                                 owner=self.name, values=values)
            outcome = answer.outcome if kept else "lost_lease"
            attempt = db.get(SharingAttempt, attempt_id)
            attempt.finished_at = finished
            attempt.outcome = outcome
            attempt.http_status = http_status
            attempt.detail = answer.message[:500]
            attempt.next_attempt_at = next_at if kept else None
            db.add(attempt)
            if kept and answer.outcome in ("acknowledged", "duplicate", "rejected"):
                document = db.get(Document, submission.document_id)
                audit.record(
                    db, action=AuditAction.EXPORT, actor_role=WORKER_ROLE, patient_id=submission.patient_id,
                    document_id=document.public_id, document_version=submission.document_version,
                    outcome=AuditOutcome.SUCCESS if answer.outcome != "rejected" else AuditOutcome.ERROR,
                    detail=f"envoi au DMP : {answer.message}"[:500], at=finished,
                )
            return outcome

    def process(self, submission_id: int, now: datetime) -> Result:
        body, local, attempt_id = self._prepare(submission_id, now)
        http_status = None
        if local is not None:
            answer = local
        else:
            answer, http_status = self._post(body)
        outcome = self._record(submission_id, attempt_id, answer, http_status, self.clock())
        with dbmod.transaction(self.db_url) as db:
            public_id = db.get(SharingSubmission, submission_id).public_id
        logger.info("sharing submission %s: %s (HTTP %s)", public_id, outcome, http_status)
        return Result(public_id, outcome, answer.message)

    # ------------------------------------------------------------------------------------------- loops

    def run_once(self, *, limit: int | None = None) -> list[Result]:
        """Send every due submission (at most `limit`); returns what happened to each."""
        results: list[Result] = []
        for _ in range(limit or self.config.batch):
            now = self.clock()
            submission_id = self.claim(now)
            if submission_id is None:
                break
            results.append(self.process(submission_id, now))
        return results

    def run_forever(self, stop: threading.Event) -> None:
        logger.info("sharing worker %s started, recipient %s", self.name, self.config.url or "(none)")
        try:
            outbox.run_forever(self.run_once, stop=stop, poll=self.config.poll, logger=logger,
                               label=f"sharing worker {self.name}")
        finally:
            self.close()


async def lifespan_task() -> None:
    """Started with the portal (Reflex lifespan task): sends in a thread, polls every DCC_SHARING_POLL seconds.

    DCC_SHARING_WORKER=0 turns it off (e.g. when `python -m dcc_portal sharing-worker` runs as its own service)."""
    if os.environ.get("DCC_SHARING_WORKER", "1") == "0":
        return
    config = WorkerConfig.from_env()
    if not config.url:
        logger.warning("DCC_SHARING_URL is not set: DMP submissions are queued but not sent")
        return
    worker = Worker(config)
    try:
        await outbox.run_in_portal(worker.run_once, poll=config.poll, logger=logger, label="sharing worker")
    finally:
        worker.close()
