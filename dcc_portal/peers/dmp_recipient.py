"""A small IHE MHD Document Recipient for tests and the demo: `python -m dcc_portal sharing-peer --port 8765`.

POST <base>/fhir accepts ITI-65 "Provide Document Bundle" and checks what the transaction requires: a Bundle of type
transaction; exactly one SubmissionSet List; DocumentReferences with the required metadata (ids, status, type,
class, subject INS, author, confidentiality, attachment, format, context); each Binary matching the size and SHA-1
its DocumentReference announces; one patient, the same in the List, the DocumentReference and sourcePatientInfo;
and every rule of the ANS PDSm profiles listed in data/pdsm/rules.json (peers/pdsm_rules.py), each refusal naming
the rule and its reason. A registered DocumentReference keeps its attachment.url as the server rewrites it
(Binary/[id]), as the PDSm guide describes the stored form.
It answers like a recipient: a transaction-response Bundle with 201s and locations, or an OperationOutcome with a
4xx (409 and XDSDuplicateUniqueIdInRegistry for a uniqueId already registered with the same content).

Switches (CLI flags or POST /_admin/mode {"mode": ..., "delay": s, "status": n, "message": "..."}):
  normal   answer at once
  error500 answer 500 to everything
  slow     register, then wait `delay` seconds before answering (longer than the client timeout = a timeout)
  reject   refuse every document with `status` (default 422) and `message`
GET /_admin/state lists every request received (outcome, ids, and the Bundle itself) and the registry, so a test can
prove a document was registered exactly once. POST /_admin/reset empties both. State lives in memory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hashlib
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dcc_portal.peers import pdsm_rules

FHIR_JSON = "application/fhir+json"
LIST_TYPE_SYSTEMS = ("https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "http://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes")
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
MODES = ("normal", "error500", "slow", "reject")


@dataclass
class PeerState:
    mode: str = "normal"
    delay: float = 60.0
    reject_status: int = 422
    reject_message: str = "Document refusé par le destinataire."
    token: str = ""
    username: str = ""
    password: str = ""
    received: list[dict] = field(default_factory=list)
    registry: dict[str, dict] = field(default_factory=dict)  # uniqueId -> registration
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))


def outcome(status: int, issues: list[tuple[str, str, str]]) -> JSONResponse:
    """issues: (code, details code, diagnostics)."""
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": code, "diagnostics": text,
             **({"details": {"coding": [{"system": "urn:oid:1.3.6.1.4.1.19376.1.2.3", "code": detail}], "text": text}} if detail else {})}
            for code, detail, text in issues
        ],
    }
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _identifier(items: list, use: str) -> str:
    for item in items or []:
        if isinstance(item, dict) and item.get("use") == use and item.get("value"):
            return str(item["value"])
    return ""


def _code(concept) -> str:
    codings = (concept or {}).get("coding") or [] if isinstance(concept, dict) else []
    return str(codings[0].get("code", "")) if codings and isinstance(codings[0], dict) else ""


def check_bundle(bundle) -> tuple[list[str], dict]:
    """ITI-65 checks. Returns (problems in French, what was found: list, documents, binaries by fullUrl)."""
    problems: list[str] = []
    found = {"list": None, "documents": [], "binaries": {}, "updates": {}}
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return ["Le corps n'est pas une ressource Bundle."], found
    if bundle.get("type") != "transaction":
        problems.append("Le Bundle doit être de type transaction.")
    lists, documents = [], []
    for index, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not entry.get("fullUrl"):
            problems.append(f"Entrée {index} : fullUrl et resource sont obligatoires.")
            continue
        kind = resource.get("resourceType")
        request = entry.get("request") or {}
        update_id = str(request.get("url", "")).removeprefix("DocumentReference/") if kind == "DocumentReference" else ""
        if request.get("method") == "PUT" and update_id and update_id != request.get("url"):
            found["updates"][entry["fullUrl"]] = update_id  # a metadata update of a registered DocumentReference
        elif request.get("method") != "POST" or request.get("url") != kind:
            problems.append(f"Entrée {index} : requête attendue POST {kind} (ou PUT DocumentReference/[id] pour une mise à jour).")
        if kind == "List":
            lists.append((entry["fullUrl"], resource))
        elif kind == "DocumentReference":
            documents.append((entry["fullUrl"], resource))
        elif kind == "Binary":
            found["binaries"][entry["fullUrl"]] = resource
    submission_sets = [item for item in lists if _code(item[1].get("code")) == "submissionset"]
    if len(submission_sets) != 1:
        problems.append(f"Un et un seul lot de soumission (List submissionset) attendu, {len(submission_sets)} reçu(s).")
    if not documents:
        problems.append("Aucune DocumentReference dans le Bundle.")
    found["documents"] = documents
    patients = set()
    if submission_sets:
        _list_url, submission = submission_sets[0]
        found["list"] = submission
        if (submission.get("code", {}).get("coding") or [{}])[0].get("system") not in LIST_TYPE_SYSTEMS:
            problems.append("List.code : système MHDlistTypes attendu.")
        if not _identifier(submission.get("identifier"), "usual") or not _identifier(submission.get("identifier"), "official"):
            problems.append("Lot de soumission : uniqueId (usual) et entryUUID (official) obligatoires.")
        for name in ("status", "mode", "date", "source", "subject"):
            if not submission.get(name):
                problems.append(f"Lot de soumission : {name} obligatoire.")
        if not any("sourceId" in str(ext.get("url", "")) for ext in submission.get("extension") or []):
            problems.append("Lot de soumission : extension ihe-sourceId obligatoire.")
        patients.add(pdsm_rules.patient_ins(submission, submission.get("subject")))
        listed = {str((item.get("item") or {}).get("reference", "")) for item in submission.get("entry") or []}
        for url, _document in documents:
            if url not in listed:
                problems.append(f"DocumentReference {url} absente du lot de soumission.")
    for url, document in documents:
        problems += [f"{url} : {problem}" for problem in _check_document(document, found["binaries"], url in found["updates"])]
        subject = pdsm_rules.patient_ins(document, document.get("subject"))
        patients.add(subject)
        source = pdsm_rules.patient_ins(document, (document.get("context") or {}).get("sourcePatientInfo"))
        if source is not None and subject is not None and source != subject:
            problems.append(f"{url} : l'INS de sourcePatientInfo diffère de celle du sujet.")
    problems += pdsm_rules.problems(found["list"], documents, found["binaries"], updates=set(found["updates"]))
    if None in patients:
        problems.append("Identifiant patient : INS attendue (OID 1.2.250.1.213.1.4.8 ou .10, 15 caractères) dans un Patient contenu.")
    if len(patients - {None}) > 1:
        problems.append("Le patient n'est pas le même dans le lot de soumission et les documents.")
    return problems, found


def _check_document(document: dict, binaries: dict, update: bool = False) -> list[str]:
    problems = []
    if not (document.get("masterIdentifier") or {}).get("value"):
        problems.append("masterIdentifier (uniqueId) obligatoire.")
    if not _identifier(document.get("identifier"), "official"):
        problems.append("identifier entryUUID (official) obligatoire.")
    if document.get("status") not in (("current", "superseded") if update else ("current",)):
        problems.append("status current attendu (superseded seulement pour retirer un document enregistré).")
    for name in ("type", "date", "author", "custodian"):
        if not document.get(name):
            problems.append(f"{name} obligatoire.")
    if not _code(document.get("type")):
        problems.append("type (typeCode) sans code.")
    if not document.get("category") or not _code(document["category"][0]):
        problems.append("category (classCode) obligatoire.")
    labels = document.get("securityLabel") or []
    if not any((label.get("coding") or [{}])[0].get("system") == CONFIDENTIALITY_SYSTEM for label in labels if isinstance(label, dict)):
        problems.append("securityLabel : un niveau de confidentialité (N, R, V) est obligatoire.")
    content = (document.get("content") or [{}])[0]
    attachment = content.get("attachment") or {}
    for name in ("contentType", "size", "hash", "title", "creation", *(() if update else ("url",))):
        if attachment.get(name) in (None, ""):
            problems.append(f"content.attachment.{name} obligatoire.")
    if not (content.get("format") or {}).get("code"):
        problems.append("content.format (formatCode) obligatoire.")
    context = document.get("context") or {}
    if not (context.get("period") or {}).get("start"):
        problems.append("context.period.start obligatoire.")
    for name in ("facilityType", "practiceSetting"):
        if not _code(context.get(name)):
            problems.append(f"context.{name} obligatoire.")
    if update:
        return problems  # metadata only: the registered document stays as it is
    binary = binaries.get(str(attachment.get("url", "")))
    if binary is None:
        problems.append("content.attachment.url doit désigner une ressource Binary du Bundle.")
        return problems
    try:
        data = base64.b64decode(binary.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        return problems + ["Binary.data n'est pas du base64."]
    if attachment.get("size") != len(data):
        problems.append(f"Taille annoncée {attachment.get('size')} différente de la taille reçue {len(data)}.")
    if attachment.get("hash") != base64.b64encode(hashlib.sha1(data).digest()).decode():  # noqa: S324
        problems.append("Empreinte SHA-1 annoncée différente de celle du contenu reçu.")
    if binary.get("contentType") != attachment.get("contentType"):
        problems.append("Binary.contentType différent de attachment.contentType.")
    return problems


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def create_app(state: PeerState | None = None) -> Starlette:
    state = state or PeerState()

    def authorised(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if state.token:
            return secrets.compare_digest(header, f"Bearer {state.token}")
        if state.username:
            expected = base64.b64encode(f"{state.username}:{state.password}".encode()).decode()
            return secrets.compare_digest(header, f"Basic {expected}")
        return True

    async def provide(request: Request) -> Response:
        record = {"at": _now(), "mode": state.mode, "unique_ids": [], "entry_uuids": [], "status": 0, "outcome": ""}
        with state.lock:
            state.received.append(record)
            mode, delay = state.mode, state.delay
        raw = await request.body()

        def done(response: Response, result: str, **extra) -> Response:
            record.update(status=response.status_code, outcome=result, **extra)
            return response

        if not authorised(request):
            return done(outcome(401, [("security", "", "Authentification requise.")]), "unauthorized")
        if mode == "error500":
            return done(outcome(500, [("exception", "", "Erreur interne du destinataire (simulée).")]), "error500")
        try:
            bundle = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return done(outcome(400, [("structure", "", "Le corps n'est pas du JSON.")]), "invalid")
        record["bundle"] = bundle
        problems, found = check_bundle(bundle)
        unique_ids = [str((document.get("masterIdentifier") or {}).get("value", "")) for _url, document in found["documents"]]
        entry_uuids = [_identifier(document.get("identifier"), "official") for _url, document in found["documents"]]
        record.update(unique_ids=unique_ids, entry_uuids=entry_uuids)
        if problems:
            return done(outcome(400, [("invalid", "", problem) for problem in problems]), "invalid", problems=problems)
        if mode == "reject":
            return done(outcome(state.reject_status, [("business-rule", "", state.reject_message)]), "rejected")
        with state.lock:
            response = _register(state, bundle, found)
        result = "registered" if response.status_code == 200 else "duplicate" if response.status_code == 409 else "refused"
        done(response, result)
        if mode == "slow":  # registered first, answered late: what a client that timed out never hears about
            await asyncio.sleep(delay)
        return response

    async def admin_state(_request: Request) -> Response:
        with state.lock:
            return JSONResponse({"mode": state.mode, "delay": state.delay, "received": state.received,
                                 "registry": list(state.registry.values())})

    async def admin_mode(request: Request) -> Response:
        data = await request.json()
        mode = data.get("mode", "normal")
        if mode not in MODES:
            return JSONResponse({"error": f"mode inconnu : {mode}"}, status_code=400)
        with state.lock:
            state.mode = mode
            state.delay = float(data.get("delay", state.delay))
            state.reject_status = int(data.get("status", state.reject_status))
            state.reject_message = str(data.get("message", state.reject_message))
        return JSONResponse({"mode": state.mode, "delay": state.delay})

    async def admin_reset(_request: Request) -> Response:
        with state.lock:
            state.received.clear()
            state.registry.clear()
            state.mode = "normal"
        return JSONResponse({"mode": "normal"})

    async def metadata(_request: Request) -> Response:
        return JSONResponse({"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                             "fhirVersion": "4.0.1", "format": ["json"],
                             "rest": [{"mode": "server", "interaction": [{"code": "transaction"}]}]}, media_type=FHIR_JSON)

    app = Starlette(routes=[
        Route("/fhir", provide, methods=["POST"]),
        Route("/fhir/", provide, methods=["POST"]),
        Route("/fhir/metadata", metadata, methods=["GET"]),
        Route("/_admin/state", admin_state, methods=["GET"]),
        Route("/_admin/mode", admin_mode, methods=["POST"]),
        Route("/_admin/reset", admin_reset, methods=["POST"]),
    ])
    app.state.peer = state
    return app


def _register(state: PeerState, bundle: dict, found: dict) -> JSONResponse:
    """Register the documents of a checked Bundle (caller holds the lock)."""
    issues = []
    source_id = _source_id(found["list"])
    for url, document in found["documents"]:
        if url in found["updates"]:
            issues += _update_issues(state, document, found["updates"][url], source_id)
            continue
        unique_id = str(document["masterIdentifier"]["value"])
        attachment = document["content"][0]["attachment"]
        known = state.registry.get(unique_id)
        if known is not None:
            if known["hash"] == attachment["hash"]:
                issues.append(("duplicate", "XDSDuplicateUniqueIdInRegistry", f"Document {unique_id} déjà enregistré."))
            else:
                issues.append(("duplicate", "XDSNonIdenticalHash", f"Document {unique_id} déjà enregistré avec un autre contenu."))
        for relation in document.get("relatesTo") or []:
            target = relation.get("target") or {}
            wanted_uuid = str((target.get("identifier") or {}).get("value", ""))
            wanted_id = str(target.get("reference", "")).removeprefix("DocumentReference/")
            if not any(item["entry_uuid"] == wanted_uuid or item["id"] == wanted_id for item in state.registry.values()):
                issues.append(("not-found", "XDSUnknownDocument", f"Document remplacé inconnu : {wanted_uuid or wanted_id}."))
    if issues:
        duplicate_only = all(code == "XDSDuplicateUniqueIdInRegistry" for _c, code, _t in issues)
        return outcome(409 if duplicate_only or issues[0][1] == "XDSNonIdenticalHash" else 422, issues)
    entries, created = [], {}
    for entry in bundle["entry"]:
        number = next(state.ids)
        created[entry["fullUrl"]] = f"{entry['resource']['resourceType']}/{number}"
        entries.append({"response": {"status": "201 Created", "location": f"{created[entry['fullUrl']]}/_history/1"}})
    for entry in bundle["entry"]:
        resource = entry["resource"]
        number = created[entry["fullUrl"]].split("/")[1]
        if entry["fullUrl"] in found["updates"]:
            entries[bundle["entry"].index(entry)] = _apply_update(state, resource, found["updates"][entry["fullUrl"]])
            continue
        if resource["resourceType"] == "DocumentReference":
            for relation in resource.get("relatesTo") or []:
                target = relation.get("target") or {}
                wanted_uuid = str((target.get("identifier") or {}).get("value", ""))
                for item in state.registry.values():
                    if item["entry_uuid"] == wanted_uuid:
                        item["status"] = "superseded"
            unique_id = str(resource["masterIdentifier"]["value"])
            resource = copy.deepcopy(resource)  # the stored form; the request as received stays in `received`
            for content in resource.get("content") or []:
                content["attachment"]["url"] = created.get(content["attachment"].get("url"), content["attachment"].get("url"))
            state.registry[unique_id] = {
                "id": str(number), "unique_id": unique_id, "entry_uuid": _identifier(resource.get("identifier"), "official"),
                "hash": resource["content"][0]["attachment"]["hash"], "status": "current", "at": _now(),
                "subject": resource.get("subject"), "document_reference": resource, "version": 1,
                "ins": pdsm_rules.patient_ins(resource, resource.get("subject")), "source_id": source_id,
            }
    return JSONResponse({"resourceType": "Bundle", "type": "transaction-response", "entry": entries}, media_type=FHIR_JSON)


def _source_id(submission_set: dict | None) -> str:
    for extension in (submission_set or {}).get("extension") or []:
        if str(extension.get("url", "")).endswith("ihe-sourceId"):
            return str((extension.get("valueIdentifier") or {}).get("value", ""))
    return ""


def _update_issues(state: PeerState, document: dict, registered_id: str, source_id: str) -> list[tuple[str, str, str]]:
    """A metadata update is for a document this recipient registered, of the same patient, from the system that
    registered it, with the next metadata version."""
    item = next((item for item in state.registry.values() if item["id"] == registered_id), None)
    if item is None:
        return [("not-found", "XDSUnknownDocument", f"Mise à jour d'un document inconnu du destinataire : DocumentReference/{registered_id}.")]
    if pdsm_rules.patient_ins(document, document.get("subject")) != tuple(item["ins"] or ()):
        return [("forbidden", "XDSPatientIdDoesNotMatch",
                 f"Mise à jour refusée : DocumentReference/{registered_id} est le document d'un autre patient.")]
    if source_id != item["source_id"]:
        return [("forbidden", "XDSMetadataUpdateError",
                 f"Mise à jour refusée : DocumentReference/{registered_id} a été déposé par un autre système ({item['source_id']}).")]
    version = str((document.get("meta") or {}).get("versionId", ""))
    stored = item["document_reference"]
    if version == str(item["version"]) and (document.get("status"), document.get("securityLabel")) == (
            stored.get("status"), stored.get("securityLabel")):
        return [("duplicate", "XDSDuplicateUniqueIdInRegistry", f"Mise à jour déjà enregistrée : DocumentReference/{registered_id}.")]
    if version != str(item["version"] + 1):
        return [("conflict", "XDSMetadataVersionError",
                 f"Mise à jour refusée : version de métadonnées {item['version'] + 1} attendue pour DocumentReference/{registered_id}.")]
    return []


def _apply_update(state: PeerState, document: dict, registered_id: str) -> dict:
    item = next(item for item in state.registry.values() if item["id"] == registered_id)
    stored = copy.deepcopy(document)
    stored["content"][0]["attachment"]["url"] = item["document_reference"]["content"][0]["attachment"]["url"]
    item.update(version=item["version"] + 1, status="deprecated" if document.get("status") == "superseded" else "current",
                document_reference=stored, at=_now())
    return {"response": {"status": "200 OK", "location": f"DocumentReference/{registered_id}/_history/{item['version']}"}}


def serve(*, host: str = "127.0.0.1", port: int = 8765, state: PeerState | None = None) -> None:
    """Serve the peer (blocking) with Granian, the ASGI server Reflex already ships."""
    from granian.constants import Interfaces
    from granian.server.embed import Server

    server = Server(create_app(state), address=host, port=port, interface=Interfaces.ASGI, log_access=False)
    asyncio.run(server.serve())
