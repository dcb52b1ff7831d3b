"""The GP's area (phones): my patients with what is new since my last visit, one patient's pathway, and the
documents shared with me, unread first.

"What is new" for a patient, counted from the last time this account opened the patient's page (PatientVisit):
the timeline steps recorded since, that carry no document (announcement, RCP registration, treatment start...), and
the documents validated or updated since that this account has not read at their current version (DocumentRead),
among those it may see. A patient never opened shows only the documents not read yet: the whole pathway is not
news. The list costs two queries per page, whatever the number of patients: the count, and the
page itself whose news are correlated subqueries on (patient_id, created_at) / (patient_id, updated_at) indexes,
evaluated for the page's rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    insert,
    or_,
    union,
    update,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from dcc_portal import db as dbmod
from dcc_portal import formatting
from dcc_portal.models import (
    AuditAction,
    CancerDiagnosis,
    Document,
    DocumentKind,
    DocumentRead,
    Grant,
    PathwayEvent,
    PathwayEventKind,
    Patient,
    PatientOpposition,
    PatientVisit,
    PpsHandover,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit, emergency
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.names import patient_name
from dcc_portal.services.common.paging import PAGE_SIZE, Page
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.pps import reading as pps_reading
from dcc_portal.services.record import (
    announcement,
    diagnosis,
    documents,
    mail,
    pathway,
    patients,
    quality,
)
from dcc_portal.services.record.patients import stage_label

K = PathwayEventKind
# What a new step without a document is about: one bit per group, so SUM(DISTINCT bit) lists the groups present.
STEP_GROUPS: list[tuple[int, str, tuple[str, ...]]] = [
    (1, "suspicion", (K.SUSPICION,)),
    (2, "diagnostic", (K.DIAGNOSIS,)),
    (4, "inscription en RCP", (K.RCP_REGISTERED,)),
    (8, "annonce", (K.ANNOUNCEMENT_MEDICAL, K.ANNOUNCEMENT_NURSING, K.SUPPORTIVE_CARE, K.GP_LIAISON)),
    (16, "début de traitement", (K.TREATMENT_START,)),
    (32, "fin de traitement ou surveillance", (K.TREATMENT_END, K.FOLLOW_UP)),
    (64, "autre étape", (K.REPORT, K.RCP_DECISION, K.PPS)),
]
DOCUMENT_GROUPS: list[tuple[int, str, tuple[str, ...]]] = [
    (1, "fiche RCP", (DocumentKind.FRCP,)),
    (2, "PPS", (DocumentKind.PPS,)),
    (4, "synthèse d'annonce", (DocumentKind.ANNOUNCEMENT_SUMMARY,)),
]
OTHER_DOCUMENT_BIT, OTHER_DOCUMENT_LABEL = 8, "compte rendu"
# The pathway as the GP follows it (suspicion comes before the first stage).
STAGES = pathway.STAGE_ORDER[1:]


def _bits(column, groups: list[tuple[int, str, tuple[str, ...]]], other: int):
    # Equalities rather than IN: fixed values, so that the statement runs on the driver (`db.Read`).
    return case(*[(or_(*(column == kind for kind in kinds)), bit) for bit, _label, kinds in groups], else_=other)


def news_labels(step_mask: int, document_mask: int) -> list[str]:
    labels = [label for bit, label, _ in DOCUMENT_GROUPS if document_mask & bit]
    if document_mask & OTHER_DOCUMENT_BIT:
        labels.append(OTHER_DOCUMENT_LABEL)
    return labels + [label for bit, label, _ in STEP_GROUPS if step_mask & bit]


@dataclass(frozen=True)
class MyPatientRow:
    public_id: str
    name: str
    birth_date: str
    age: int
    ins: str
    stage: str  # label
    stage_key: str
    stage_step: int  # 0 (suspicion) to 5 (follow-up)
    new_count: int  # new steps + new documents
    news: str  # « fiche RCP, annonce »
    last_visit: str  # "" when never opened


def _followed(professional_id):
    """The patients whose médecin traitant I am, unless they object to me."""
    opposed = exists().where(PatientOpposition.patient_id == Patient.id,
                             PatientOpposition.professional_id == professional_id,
                             PatientOpposition.withdrawn_at.is_(None))
    return Patient.gp_professional_id == professional_id, ~opposed


def _mine(professional_id, today):
    """Ids of the patients whose médecin traitant I am (unless they object to me) or whose care team I belong to
    today: a union of the two indexed sets (PostgreSQL answers an OR of them with a scan of every patient)."""
    return union(select(Patient.id).where(*_followed(professional_id)), access.team_patient_ids(professional_id, today))


def _page_of_mine(professional_id, today, offset):
    """The ids of a page of my patients in name order, without sorting all of them: each of the two sets is read in
    name order up to the end of the page (the index on médecin traitant and name serves the larger), then only those
    are merged. A GP with 2,000 patients: 0.5 ms instead of 6 on PostgreSQL."""
    end = offset + PAGE_SIZE
    firsts = [
        select(Patient.id, Patient.search_name).where(*condition).order_by(Patient.search_name, Patient.id)
        .limit(end).subquery()
        for condition in (_followed(professional_id),
                          (Patient.id.in_(access.team_patient_ids(professional_id, today)),))
    ]
    merged = union(*(select(first.c.id, first.c.search_name) for first in firsts)).subquery("firsts")
    return (select(merged.c.id).order_by(merged.c.search_name, merged.c.id).offset(offset).limit(PAGE_SIZE)
            .subquery("page_ids"))


def unread_clause(account_id):
    """The document has not been opened by this account at its current version."""
    return ~exists().where(DocumentRead.account_id == account_id, DocumentRead.document_id == Document.id,
                           DocumentRead.version >= Document.current_version)


@cache
def _list_statements(search_shape):
    """(count, page) reads of my patients, with bound parameters for who I am, today, the page and the search;
    built once per search shape (building them cost more than running them)."""
    professional_id, account_id, today = bindparam("professional_id"), bindparam("account_id"), bindparam("today")
    mine = _mine(professional_id, today)
    if search_shape is not None:
        conditions = [patients.among(mine), patients.search_condition(search_shape)]
        total = select(func.count(Patient.id)).where(*conditions)
        ids = patients.page_ids(*conditions)
    else:
        total = select(func.count()).select_from(mine.subquery())
        ids = _page_of_mine(professional_id, today, bindparam("offset", type_=Integer))
    visit = aliased(PatientVisit)
    seen = visit.last_seen_at
    new_step = and_(PathwayEvent.patient_id == Patient.id, PathwayEvent.document_id.is_(None),
                    seen.is_not(None), PathwayEvent.created_at > seen)
    new_document = and_(Document.patient_id == Patient.id, access.shared_document_clause(professional_id),
                        or_(seen.is_(None), Document.updated_at > seen), unread_clause(account_id))
    step_count = select(func.count(PathwayEvent.id)).where(new_step).correlate(Patient, visit).scalar_subquery()
    step_mask = (select(func.coalesce(func.sum(distinct(_bits(PathwayEvent.kind, STEP_GROUPS, 64))), 0))
                 .where(new_step).correlate(Patient, visit).scalar_subquery())
    document_count = select(func.count(Document.id)).where(new_document).correlate(Patient, visit).scalar_subquery()
    document_mask = (select(func.coalesce(func.sum(distinct(_bits(Document.kind, DOCUMENT_GROUPS, OTHER_DOCUMENT_BIT))), 0))
                     .where(new_document).correlate(Patient, visit).scalar_subquery())
    rows = (
        patients.page_rows(ids, seen.label("last_seen"), step_count.label("steps"), step_mask.label("steps_mask"),
                           document_count.label("docs"), document_mask.label("docs_mask"))
        .outerjoin(visit, and_(visit.patient_id == Patient.id, visit.account_id == account_id))
    )
    return dbmod.Read(total), dbmod.Read(rows)


def list_statements(actor: Actor, *, query: str, page: int, today: date):
    """(count, page, parameters) of my patients: the list costs these two queries, whatever the number of patients."""
    search = patients.parse_search(query)
    count, rows = _list_statements(search.shape)
    params = {"professional_id": actor.professional_id, "account_id": actor.account_id, "today": today,
              "offset": (page - 1) * PAGE_SIZE, **search.values}
    return count, rows, params


def list_statements_with_values(actor: Actor, *, query: str, page: int, today: date) -> list:
    """The same two statements with their values in place (to compile them as plain SQL)."""
    count, rows, params = list_statements(actor, query=query, page=page, today=today)
    return [count.statement.params(params), rows.statement.params(params)]


def my_patients(db: Session, *, actor: Actor, query: str = "", page: int = 1, now: datetime | None = None) -> Page:
    """My patients, by name, each with its stage and what is new since my last visit (two queries per page)."""
    access.require_role(db, actor=actor, roles={Role.GP}, action=AuditAction.SEARCH, detail="mes patients")
    now = now or utcnow()
    today = formatting.paris_today(now)
    page = max(1, min(int(page or 1), 10_000))
    count, rows, params = list_statements(actor, query=query, page=page, today=today)
    total = count.scalar(db, params)
    items = []
    for patient in rows.run(db, params):
        stage = patient.care_stage if patient.care_stage in pathway.STAGE_ORDER else ""
        items.append(MyPatientRow(
            public_id=patient.public_id,
            name=patient_name(patient),
            birth_date=formatting.date_fr(patient.birth_date),
            age=formatting.age(patient.birth_date, today),
            ins=formatting.ins_display(patient.ins),
            stage=stage_label(patient.care_stage),
            stage_key=stage,
            stage_step=pathway.STAGE_ORDER.index(stage) if stage else 0,
            new_count=int(patient.steps or 0) + int(patient.docs or 0),
            news=", ".join(news_labels(int(patient.steps_mask or 0), int(patient.docs_mask or 0))),
            last_visit=formatting.datetime_fr(patient.last_seen) if patient.last_seen else "",
        ))
    audit.record(db, actor=actor, action=AuditAction.SEARCH, detail=f"mes patients, page {page}, {len(items)} résultats")
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)


# --------------------------------------------------------------------------------------------------- one patient


@dataclass(frozen=True)
class Step:
    public_id: str
    kind: str
    kind_label: str
    date: str
    title: str
    document_public_id: str
    new: bool


@dataclass(frozen=True)
class StageStep:
    key: str
    label: str
    state: str  # done | current | todo


@dataclass(frozen=True)
class NextStep:
    day: str
    time: str
    until: str
    title: str
    type_label: str
    place: str


@dataclass(frozen=True)
class ContactLink:
    name: str
    role: str
    specialty: str
    organisation: str
    phone: str
    tel_href: str  # "tel:+33…" made of the stored number's digits, or ""
    email: str
    mailto_href: str  # "mailto:" + a stored address that passed the address check, or ""


@dataclass(frozen=True)
class PatientPathway:
    public_id: str
    name: str
    first_names: str
    birth_date: str
    age: int
    sex: str
    ins: str
    stage: str
    stage_key: str
    stage_step: int  # 0 (suspicion) to 5 (follow-up)
    grant: str
    emergency_until: str
    diagnosis: str  # « C50.9 Tumeur maligne du sein » or ""
    suspicion_note: str  # while the CR-ACP date is not recorded, the diagnosis is a suspicion: says so; else ""
    diagnosis_detail: str  # morphology, TNM, OMS
    last_visit: str  # the visit before this one ("" the first time)
    new_count: int
    pps: str  # shared | withheld | none
    stages: list[StageStep] = field(default_factory=list)
    timeline: list[Step] = field(default_factory=list)  # oldest first
    delays: list[quality.Delay] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    announcement: list[announcement.StatusItem] = field(default_factory=list)
    medecin_traitant: ContactLink | None = None
    care_team: list[ContactLink] = field(default_factory=list)


def suspicion_note(row: CancerDiagnosis) -> str:
    """What the GP reads under a diagnosis whose CR-ACP date is not recorded yet ("" once it is)."""
    if row.diagnosis_date is not None:
        return ""
    since = f" (suspicion du {formatting.date_fr(row.suspicion_date)})" if row.suspicion_date else ""
    return ("Diagnostic non confirmé : la date du compte rendu d'anatomo-cytopathologie (CR-ACP) n'est pas encore "
            f"enregistrée{since}.")


def contact_link(contact: patients.Contact) -> ContactLink:
    email = contact.email if mail.valid_address(contact.email) else ""
    return ContactLink(contact.name, contact.role, contact.specialty, contact.organisation, contact.phone,
                       pps_reading.tel_href(contact.phone), email, f"mailto:{email}" if email else "")


_VISIT = PatientVisit.__table__
_VISIT_KEY = (_VISIT.c.account_id == bindparam("reader")) & (_VISIT.c.patient_id == bindparam("patient"))
_LAST_VISIT = dbmod.Read(select(_VISIT.c.last_seen_at).where(_VISIT_KEY))
_FIRST_VISIT = insert(_VISIT)
_REVISIT = update(_VISIT).where(_VISIT_KEY).values(last_seen_at=bindparam("now"))


def record_visit(db: Session, *, account_id: int, patient_id: int, now: datetime) -> datetime | None:
    """Remember this visit; returns the previous one."""
    key = {"reader": account_id, "patient": patient_id}
    previous = _LAST_VISIT.scalar(db, key)
    if previous is None:
        db.execute(_FIRST_VISIT, {"account_id": account_id, "patient_id": patient_id, "last_seen_at": now})
    else:
        db.execute(_REVISIT, {**key, "now": now})
    return previous


def _aware(moment: datetime | None) -> datetime | None:
    return formatting.to_paris(moment) if moment is not None else None


_FIRST_HANDOVER = dbmod.Read(select(func.min(PpsHandover.handed_over_on))
                             .where(PpsHandover.document_id == bindparam("document_id")))


def _pathway_dates(db: Session, *, diagnosed: date | None, steps, pps_document: Document | None,
                   pps_content: dict | None) -> quality.PathwayDates:
    """pps_content: the shared PPS's content, None when the PPS is withheld from the reader."""
    rcp_day = next((step.occurred_on for step in steps if step.kind == K.RCP_DECISION
                    and (diagnosed is None or step.occurred_on >= diagnosed)), None)
    treatment = next((step.occurred_on for step in steps if step.kind == K.TREATMENT_START
                      and (rcp_day is None or step.occurred_on >= rcp_day)), None)
    planned = handover = None
    if pps_content is not None:
        starts = [event.day for event in pc.planned_events(pps_content) if event.section == "treatments"]
        planned = min(starts) if starts else None
        handover = _FIRST_HANDOVER.scalar(db, {"document_id": pps_document.id})
    return quality.PathwayDates(diagnosis=diagnosed, rcp=rcp_day, treatment=treatment, planned_treatment=planned,
                                pps_handover=handover, pps_withheld=pps_document is not None and pps_content is None)


def patient_pathway(db: Session, *, actor: Actor, patient_public_id: str, now: datetime | None = None) -> PatientPathway:
    """One patient for the GP's phone (one audited read): stage, timeline with what is new since the last visit,
    delays against their targets, the next steps of the PPS when the patient agreed to share it, the announcement,
    and the care team with how to reach each member. Opening it records the visit."""
    now = now or utcnow()
    if actor.role != Role.GP:
        raise access.deny(db, actor=actor, action=AuditAction.READ, detail="parcours (espace médecin traitant)")
    patient, grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                            action=AuditAction.READ, detail="parcours (médecin traitant)", now=now)
    today = formatting.paris_today(now)
    previous = record_visit(db, account_id=actor.account_id, patient_id=patient.id, now=now)
    steps = pathway.visible_steps(db, actor=actor, grant=grant, patient=patient, with_news=True)

    def is_new(step) -> bool:
        if step.document_id is not None:
            return (step.read_version or 0) < step.document_version and (
                previous is None or _aware(step.document_updated_at) > _aware(previous))
        return previous is not None and _aware(step.created_at) > _aware(previous)

    timeline = [Step(step.public_id, step.kind, pathway.EVENT_LABELS.get(step.kind, step.kind),
                     formatting.date_fr(step.occurred_on), step.title, step.document_public_id or "", is_new(step))
                for step in steps]
    pps_document = pps.current_document(db, patient_id=patient.id)
    pps_visible = pps_document is not None and access.document_visible(actor=actor, grant=grant, document=pps_document,
                                                                        patient=patient) \
        and pps_document.status != "draft"
    next_steps: list[NextStep] = []
    pps_content = documents.content_of(documents.version_row(db, document=pps_document)) if pps_visible else None
    if pps_content is not None:
        upcoming, _past = pps_reading.event_rows(pc.planned_events(pps_content), today=today)
        next_steps = [NextStep(e.day, e.time, e.until, e.title, e.type_label, e.place) for e in upcoming[:5]]
    row = diagnosis.latest(db, patient.id)
    dates = _pathway_dates(db, diagnosed=row.diagnosis_date if row else None, steps=steps, pps_document=pps_document,
                           pps_content=pps_content)
    stage = patient.care_stage if patient.care_stage in pathway.STAGE_ORDER else ""
    position = pathway.STAGE_ORDER.index(stage) if stage else 0
    stages = [StageStep(key, stage_label(key), "current" if index + 1 == position else
                        "done" if index + 1 < position else "todo") for index, key in enumerate(STAGES)]
    gp, team = patients.care_team_contacts(db, patient=patient, today=today)
    if access.is_medecin_traitant(actor, patient):
        gp = None  # the reader: no card of their own
    return PatientPathway(
        public_id=patient.public_id,
        name=patient_name(patient),
        first_names=patient.first_names,
        birth_date=formatting.date_fr(patient.birth_date),
        age=formatting.age(patient.birth_date, today),
        sex=formatting.SEX_LABELS.get(patient.sex, patient.sex),
        ins=formatting.ins_display(patient.ins),
        stage=stage_label(patient.care_stage),
        stage_key=stage,
        stage_step=position,
        grant=str(grant),
        emergency_until=emergency.running_until(db, actor=actor, patient=patient, now=now) if grant == Grant.EMERGENCY else "",
        diagnosis=f"{row.icd10_code} {row.icd10_label}".strip() if row else "",
        suspicion_note=suspicion_note(row) if row else "",
        diagnosis_detail=" · ".join(part for part in (
            row.morphology_label, diagnosis.tnm_text(row),
            f"OMS {row.who_performance_status}" if row.who_performance_status is not None else "") if part) if row else "",
        last_visit=formatting.datetime_fr(previous) if previous else "",
        new_count=sum(1 for step in timeline if step.new),
        pps="shared" if pps_visible else "withheld" if pps_document is not None and pps_document.status != "draft" else "none",
        stages=stages,
        timeline=timeline,
        delays=quality.delays(dates, today=today),
        next_steps=next_steps,
        announcement=announcement.overview_of(db, patient=patient).status,
        medecin_traitant=contact_link(gp) if gp else None,
        care_team=[contact_link(contact) for contact in team],
    )


# --------------------------------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class SharedDocument:
    public_id: str
    kind: str
    kind_label: str
    title: str
    service_date: str
    author: str
    updated: str
    version: int
    unread: bool


def _documents_reads():
    """(count, page) reads of one patient's documents shared with the actor, unread first, with bound parameters."""
    conditions = [Document.patient_id == bindparam("patient_id"),
                  access.shared_document_clause(bindparam("professional_id"))]
    total = select(func.count(Document.id)).join(Patient, Patient.id == Document.patient_id).where(*conditions)
    read = aliased(DocumentRead)
    unread = case((or_(read.version.is_(None), read.version < Document.current_version), 1), else_=0)
    rows = (
        documents.with_shown_author(select(*Document.__table__.c, unread.label("unread")))
        .join(Patient, Patient.id == Document.patient_id)
        .outerjoin(read, and_(read.document_id == Document.id, read.account_id == bindparam("account_id")))
        .where(*conditions)
        .order_by(unread.desc(), Document.updated_at.desc(), Document.id.desc())
        .offset(bindparam("offset", type_=Integer)).limit(PAGE_SIZE)
    )
    return dbmod.Read(total), dbmod.Read(rows)


_DOCUMENTS_COUNT, _DOCUMENTS_PAGE = _documents_reads()


def _documents_values(actor: Actor, *, patient_id: int, page: int) -> dict:
    return {"patient_id": patient_id, "professional_id": actor.professional_id or -1, "account_id": actor.account_id,
            "offset": (page - 1) * PAGE_SIZE}


def documents_statements(actor: Actor, *, patient_id: int, page: int) -> list:
    """The same two statements with their values in place (to compile them as plain SQL)."""
    values = _documents_values(actor, patient_id=patient_id, page=page)
    return [_DOCUMENTS_COUNT.statement.params(values), _DOCUMENTS_PAGE.statement.params(values)]


def shared_documents(db: Session, *, actor: Actor, patient_public_id: str, page: int = 1,
                     now: datetime | None = None) -> Page:
    """The validated documents of one patient the actor may see, unread ones first, then newest (audited read)."""
    patient, _grant = access.require_patient(db, actor=actor, patient_public_id=patient_public_id,
                                             action=AuditAction.READ, detail="documents partagés", now=now)
    page = max(1, min(int(page or 1), 10_000))
    values = _documents_values(actor, patient_id=patient.id, page=page)
    total = _DOCUMENTS_COUNT.scalar(db, values)
    items = []
    for document in _DOCUMENTS_PAGE.run(db, values):
        items.append(SharedDocument(
            public_id=document.public_id,
            kind=document.kind,
            kind_label=documents.kind_label(document.kind),
            title=document.title,
            service_date=formatting.date_fr(document.service_date),
            author=documents.shown_author(document),
            updated=formatting.datetime_fr(document.updated_at),
            version=document.current_version,
            unread=bool(document.unread),
        ))
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)
