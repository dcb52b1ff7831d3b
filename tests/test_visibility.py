"""DMP visibility flags: set and cleared by the care team's clinicians, audited, applied by access."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from dcc_portal.models import (
    AuditEvent,
    Document,
    DocumentStatus,
    Grant,
    ReleaseMode,
    Role,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.access import visibility
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.record import documents
from tests import factories as f


@pytest.fixture
def world(db):
    f.publish_charter(db)
    gp = f.professional(db, specialty="G15_10/SM54")
    author = f.professional(db)
    colleague = f.professional(db)
    nurse = f.professional(db, specialty="G15_60")
    outsider = f.professional(db)
    patient = f.patient(db, gp=gp)
    for pro in (author, colleague, nurse):
        f.member(db, patient=patient, pro=pro)
    actors = {
        "author": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=author)[0]),
        "colleague": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=colleague)[0]),
        "nurse": f.actor_for(db, f.account(db, role=Role.NURSE, professional=nurse)[0]),
        "outsider": f.actor_for(db, f.account(db, role=Role.CLINICIAN, professional=outsider)[0]),
        "gp": f.actor_for(db, f.account(db, role=Role.GP, professional=gp)[0]),
        "patient": f.actor_for(db, f.account(db, role=Role.PATIENT, patient=patient)[0]),
    }
    document, _ = documents.create(db, actor=actors["author"], patient=patient, kind="consultation",
                                   title="Consultation de suivi", content={"texte": "RAS"})
    documents.validate(db, actor=actors["author"], document=document)
    db.commit()
    return patient, document, actors


def _visible_to(db, patient, actor) -> bool:
    page = documents.list_for_patient(db, actor=actor, patient_public_id=patient.public_id)
    return bool(page.items)


def test_hiding_from_the_patient_and_back(db, world):
    patient, document, actors = world
    assert _visible_to(db, patient, actors["patient"])
    result = visibility.set_flags(db, actor=actors["colleague"], document_public_id=document.public_id,
                                  invisible_to_patient=True, reason="en attente de la consultation d'annonce")
    db.commit()
    assert result.invisible_to_patient and result.dmp_codes == ["INVISIBLE_PATIENT"]
    assert not _visible_to(db, patient, actors["patient"])
    assert _visible_to(db, patient, actors["gp"])
    visibility.set_flags(db, actor=actors["colleague"], document_public_id=document.public_id, invisible_to_patient=False)
    db.commit()
    assert _visible_to(db, patient, actors["patient"])
    changes = [e.detail for e in db.exec(select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.document_id == document.public_id)).all()
               if e.detail.startswith("visibilité :")]
    assert changes == [
        "visibilité : INVISIBLE_PATIENT (non visible par le patient) activé ; motif : en attente de la consultation d'annonce",
        "visibilité : INVISIBLE_PATIENT (non visible par le patient) retiré",
    ]


def test_masque_ps_leaves_only_the_author_and_the_gp(db, world):
    patient, document, actors = world
    visibility.set_flags(db, actor=actors["author"], document_public_id=document.public_id, hidden_from_professionals=True)
    db.commit()
    assert _visible_to(db, patient, actors["author"]) and _visible_to(db, patient, actors["gp"])
    assert not _visible_to(db, patient, actors["colleague"]) and not _visible_to(db, patient, actors["nurse"])
    assert _visible_to(db, patient, actors["patient"])
    with pytest.raises(AccessDenied):
        visibility.set_flags(db, actor=actors["colleague"], document_public_id=document.public_id, hidden_from_professionals=False)
    visibility.set_flags(db, actor=actors["author"], document_public_id=document.public_id, hidden_from_professionals=False)
    db.commit()
    assert _visible_to(db, patient, actors["colleague"])


@pytest.mark.parametrize("who", ["nurse", "outsider", "gp", "patient"])
def test_only_team_clinicians_change_flags_and_refusals_are_audited(db, world, who):
    _patient, document, actors = world
    with pytest.raises(AccessDenied):
        visibility.set_flags(db, actor=actors[who], document_public_id=document.public_id, invisible_to_legal_reps=True)
    db.refresh(document)
    assert document.invisible_to_legal_reps is False
    denied = db.exec(select(AuditEvent).where(AuditEvent.account_id == actors[who].account_id, AuditEvent.outcome == "denied")).all()
    assert denied


def test_values_must_be_booleans(db, world):
    _patient, document, actors = world
    with pytest.raises(ValidationFailed) as error:
        visibility.set_flags(db, actor=actors["author"], document_public_id=document.public_id, invisible_to_patient="yes")
    assert set(error.value.errors) == {"invisible_to_patient"}


def test_no_change_writes_no_change_event(db, world):
    _patient, document, actors = world
    visibility.set_flags(db, actor=actors["author"], document_public_id=document.public_id, invisible_to_legal_reps=False)
    db.commit()
    assert not [e for e in db.exec(select(AuditEvent)).all() if e.detail.startswith("visibilité :")]
    assert visibility.get(db, actor=actors["author"], document_public_id=document.public_id).dmp_codes == []


def test_the_sql_rule_of_lists_agrees_with_document_visible(db, world):
    """Lists page in the database with access.document_visibility: for every combination of flags, statuses,
    authors and grants it selects exactly the documents document_visible lets through."""
    patient, _document, actors = world
    author_ids = {who: actors[who].professional_id for who in ("author", "gp", "colleague")} | {"nobody": None}
    made = []
    for status, withheld, hidden, invisible, release, announces, author in itertools.product(
            (DocumentStatus.DRAFT, DocumentStatus.VALIDATED), (False, True), (False, True), (False, True),
            (ReleaseMode.AUTO, ReleaseMode.RELEASED, ReleaseMode.HELD), (False, True), author_ids):
        made.append(Document(patient_id=patient.id, kind="consultation", title="x", status=status, current_version=1,
                             withheld_from_medecin_traitant=withheld, hidden_from_professionals=hidden,
                             invisible_to_patient=invisible, release_mode=release, announces_cancer=announces,
                             author_professional_id=author_ids[author]))
    db.add_all(made)
    db.flush()
    cases = [("author", Grant.CARE_TEAM), ("colleague", Grant.CARE_TEAM), ("gp", Grant.MEDECIN_TRAITANT),
             ("gp", Grant.CARE_TEAM), ("outsider", Grant.EMERGENCY), ("outsider", Grant.RCP), ("patient", Grant.SELF)]
    for announced in (None, datetime(2026, 3, 1, tzinfo=UTC)):
        patient.medical_announcement_at = announced
        db.add(patient)
        db.flush()
        for who, grant in cases:
            actor = actors[who]
            expected = {d.id for d in made if access.document_visible(actor=actor, grant=grant, document=d, patient=patient)}
            shape, values = access.document_visibility(actor=actor, grant=grant, patient=patient)
            found = set(db.exec(select(Document.id).where(
                Document.id.in_([d.id for d in made]), access.visible_documents_clause(shape)), params=values).all())
            assert found == expected, (who, grant, announced)
            assert 0 < len(found) < len(made)
