"""The generated region's documents (with their versions and pathway events) and its audit trail: the `_Region`
steps that write the bulk of the rows (demo/region.py)."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta

from dcc_portal.models import AuditAction, DocumentKind, DocumentStatus, Grant, PathwayEventKind, Role
from dcc_portal.services.access import audit

DOCUMENT_KINDS = [
    # kind, weight, title
    (DocumentKind.BIOLOGY, 25, "Bilan biologique"),
    (DocumentKind.IMAGING, 18, "Compte rendu d'imagerie"),
    (DocumentKind.CONSULTATION, 20, "Consultation de suivi"),
    (DocumentKind.LETTER, 9, "Lettre de liaison"),
    (DocumentKind.CR_ACP, 5, "Compte rendu d'anatomo-cytopathologie"),
    (DocumentKind.CRO, 4, "Compte rendu opératoire"),
    (DocumentKind.TREATMENT_SUMMARY, 6, "Compte rendu de traitement"),
    (DocumentKind.CR_GM, 2, "Compte rendu de génétique moléculaire"),
]
CONCLUSIONS = ["Pas d'anomalie significative.", "Évolution favorable.", "Stabilité des lésions.", "Réponse partielle.",
               "À revoir en RCP.", "Bilan d'extension négatif.", "Tolérance satisfaisante du traitement."]
ANNOUNCING = {DocumentKind.CR_ACP, DocumentKind.CR_GM}


def weighted(rng: random.Random, items: list, weight_index: int):
    total = sum(item[weight_index] for item in items)
    cumulative, running = [], 0
    for item in items:
        running += item[weight_index]
        cumulative.append(running)
    return lambda: items[_bisect(cumulative, rng.random() * total)]


def _bisect(cumulative: list[int], value: float) -> int:
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] > value:
            high = middle
        else:
            low = middle + 1
    return low


class RecordsMixin:
    """Uses the region's writer `w`, `rng`, `ids`, `sizes`, `now`, `today`, its patients, teams, professionals and
    accounts, and `_flush_events` / `_say`."""

    def documents(self) -> None:
        w, rng, ids, sizes = self.w, self.rng, self.ids, self.sizes
        document_id = w.max_id("document")
        version_id = w.max_id("document_version")
        event_id = w.max_id("pathway_event")
        pick_kind = weighted(rng, DOCUMENT_KINDS, 1)
        # Documents per patient: heavy-tailed around the mean (a few patients have hundreds).
        weights = [rng.paretovariate(2.0) for _ in self.patient_ids]
        scale = sizes.documents / sum(weights)
        counts = [max(0, int(weight * scale)) for weight in weights]
        shortfall = sizes.documents - sum(counts)
        for index in range(abs(shortfall)):
            counts[index % len(counts)] += 1 if shortfall > 0 else (-1 if counts[index % len(counts)] > 0 else 0)
        docs, versions, events = [], [], []
        written = reported = 0
        for patient_id, count in zip(self.patient_ids, counts, strict=True):
            team = self.team_of_patient.get(patient_id) or [self.hospital[0][0]]
            first_day = self.today - timedelta(days=rng.randint(30, 365 * sizes.years))
            span = max(1, (self.today - first_day).days)
            events.append((event_id := event_id + 1, ids.public(), patient_id, str(PathwayEventKind.SUSPICION), first_day,
                           "Suspicion de cancer", None, team[0], self.now))
            for number in range(count):
                kind, _weight, title = pick_kind()
                day = first_day + timedelta(days=span * number // max(1, count))
                created = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC) + timedelta(minutes=number)
                author = team[rng.randrange(len(team))]
                document_id += 1
                status = DocumentStatus.VALIDATED if rng.random() < 0.93 else (
                    DocumentStatus.DRAFT if rng.random() < 0.7 else DocumentStatus.ENTERED_IN_ERROR)
                content = {"establishment": "Établissement régional (fictif)", "conclusion": rng.choice(CONCLUSIONS),
                           "body": f"{title} du {day.strftime('%d/%m/%Y')}."}
                text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                digest = hashlib.sha256(text.encode()).hexdigest()
                versions_count = 2 if rng.random() < 0.05 else 1
                public = ids.public()
                docs.append((document_id, public, patient_id, str(kind), title, str(status), versions_count, day,
                             self.org_ids[author % len(self.org_ids)], author, self.account_of_pro.get(author), created,
                             created, created if status == DocumentStatus.VALIDATED else None, False, False, False, False,
                             kind in ANNOUNCING, "auto", "", None, False))
                for version in range(1, versions_count + 1):
                    version_id += 1
                    versions.append((version_id, document_id, version, text, None, "application/json", len(text.encode()),
                                     digest, self.account_of_pro.get(author), author,
                                     "création" if version == 1 else "correction", created))
                if status != DocumentStatus.DRAFT and rng.random() < 0.5:
                    event_id += 1
                    events.append((event_id, ids.public(), patient_id, str(PathwayEventKind.REPORT),
                                   day, title, document_id, author, created))
            written += count
            if len(docs) >= 50_000:
                self._flush_documents(docs, versions, events)
                docs, versions, events = [], [], []
                if written // 250_000 > reported:
                    reported = written // 250_000
                    self._say(f"{written:,} documents")
        self._flush_documents(docs, versions, events)
        self._say(f"{written:,} documents")

    def _flush_documents(self, docs, versions, events) -> None:
        w = self.w
        w.insert("document", ["id", "public_id", "patient_id", "kind", "title", "status", "current_version", "service_date",
                              "organisation_id", "author_professional_id", "created_by_account_id", "created_at",
                              "updated_at", "validated_at", "hidden_from_professionals", "invisible_to_patient",
                              "invisible_to_legal_reps", "withheld_from_medecin_traitant", "announces_cancer",
                              "release_mode", "release_reason", "released_at", "share_with_dmp"], docs)
        w.insert("document_version", ["id", "document_id", "version", "content_json", "file_name", "mime_type", "size",
                                      "sha256", "author_account_id", "author_professional_id", "reason", "created_at"],
                 versions)
        self._flush_events(events)
        w.commit()

    # --- the audit trail

    def audit_trail(self) -> None:
        w, rng, sizes = self.w, self.rng, self.sizes
        columns = ["id", "seq", "at", "account_id", "actor_role", "organisation_id", "action", "outcome", "patient_id",
                   "document_id", "document_version", "grant", "justification", "detail", "client_ip", "session_hash",
                   "prev_hash", "hash"]
        event_id = w.max_id("audit_event")
        seq, prev = w.connection.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        first_seq = seq
        hospital_accounts = [(self.account_of_pro[pid], str(role)) for pid, _s, _t, role in self.hospital]
        gp_accounts = [(self.account_of_pro[pid], str(Role.GP)) for pid in self.gp_ids]
        count = sizes.audit_events
        start = self.now - timedelta(days=365 * sizes.years)
        step = (self.now - timedelta(minutes=5) - start) / max(1, count)
        details = {AuditAction.READ: ["synthèse patient", "parcours", "liste des documents", "ouverture du document"],
                   AuditAction.SEARCH: ["liste de travail, page 1, 20 résultats", "mes patients, page 1, 20 résultats"],
                   AuditAction.UPDATE: ["validation", "correction"], AuditAction.CREATE: ["Compte rendu de consultation"],
                   AuditAction.EXPORT: ["téléchargement PDF"], AuditAction.LOGIN: ["connexion"]}
        actions = [AuditAction.READ] * 14 + [AuditAction.SEARCH] * 3 + [AuditAction.UPDATE, AuditAction.CREATE,
                                                                          AuditAction.EXPORT, AuditAction.LOGIN]
        rows = []
        hashed = audit.HASHED_FIELDS
        for index in range(count):
            seq += 1
            event_id += 1
            at = start + step * index
            action = actions[rng.randrange(len(actions))]
            if rng.random() < 0.85:
                account_id, role = hospital_accounts[rng.randrange(len(hospital_accounts))]
                grant = Grant.CARE_TEAM
            else:
                account_id, role = gp_accounts[rng.randrange(len(gp_accounts))]
                grant = Grant.MEDECIN_TRAITANT
            patient = None if action == AuditAction.LOGIN else self.patient_ids[rng.randrange(len(self.patient_ids))]
            values = {
                "seq": seq, "at": at, "account_id": account_id, "actor_role": role,
                "organisation_id": self.org_ids[account_id % len(self.org_ids)], "action": str(action),
                "outcome": "success" if rng.random() < 0.995 else "denied", "patient_id": patient, "document_id": "",
                "document_version": None, "grant": str(grant) if patient else "", "justification": "",
                "detail": rng.choice(details[action]), "client_ip": f"10.98.{account_id // 256 % 256}.{account_id % 256}",
                "session_hash": f"{rng.getrandbits(64):016x}",
            }
            digest = audit.event_hash(prev, values)
            rows.append((event_id, *(values[name] for name in hashed), prev, digest))
            prev = digest
            if len(rows) == 100_000:
                w.insert("audit_event", columns, rows)
                w.commit()
                rows = []
                if (index + 1) % 1_000_000 == 0:
                    self._say(f"{index + 1:,} événements d'audit")
        w.insert("audit_event", columns, rows)
        w.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
        w.commit()
        self._say(f"{seq - first_seq:,} événements d'audit chaînés")
