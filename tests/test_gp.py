"""The GP's area: my patients (what is new since my last visit, two queries a page), one patient's pathway (stage,
delays, next steps only with the patient's consent, contacts), shared documents read/unread, and the care stage
kept by the services that move a patient forward."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from dcc_portal import formatting
from dcc_portal.models import (
    CancerDiagnosis,
    Document,
    DocumentStatus,
    Grant,
    Notification,
    Patient,
    PatientOpposition,
    PatientVisit,
    Professional,
    Role,
)
from dcc_portal.services.access import rule as access
from dcc_portal.services.common.errors import AccessDenied, ValidationFailed
from dcc_portal.services.gp import area as gp
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.record import announcement, documents, pathway, reports
from tests import factories as f
from tests.pathway_builders import small_pdf, team
from tests.pps_world import NOW, world, write  # noqa: F401  (world is a fixture)

TODAY = formatting.paris_today()


def consultation(**extra):
    return {"kind": "consultation", "service_date": TODAY.isoformat(), "title": "Consultation d'oncologie",
            "establishment": "Institut Test", "conclusion": "Chimiothérapie adjuvante proposée.",
            "body": "Patiente vue ce jour.", "validate": "on", **extra}


def medical(**extra):
    return {"occurred_on": TODAY.isoformat(), "notes": "Annonce du diagnostic, patiente accompagnée.", **extra}


def row_for(page, patient: Patient):
    return next(item for item in page.items if item.public_id == patient.public_id)


# --------------------------------------------------------------------------------------------------- my patients


def test_my_patients_are_those_i_follow_and_not_those_who_object_to_me(db):
    t = team(db)
    me = db.get(Professional, t.gp.professional_id)
    in_team = f.patient(db, family="EQUIPE")
    f.member(db, patient=in_team, pro=me, team_role="gp")
    stranger = f.patient(db, family="AILLEURS")
    opposed = f.patient(db, gp=me, family="OPPOSE")
    db.add(PatientOpposition(patient_id=opposed.id, professional_id=me.id, created_by_account_id=t.gp.account_id))
    db.flush()
    page = gp.my_patients(db, actor=t.gp)
    names = {item.public_id for item in page.items}
    assert names == {t.patient.public_id, in_team.public_id}
    assert stranger.public_id not in names and opposed.public_id not in names
    with pytest.raises(AccessDenied):
        gp.my_patients(db, actor=t.clinician)


def test_pages_of_my_patients_merge_followed_and_team_patients_in_name_order(db):
    t = team(db)
    me = db.get(Professional, t.gp.professional_id)
    expected = {t.patient.public_id: (t.patient.search_name, t.patient.id)}
    for n in range(44):  # two patients a name (ties go by id); every third one is in my care team only
        followed = n % 3 != 0
        patient = f.patient(db, gp=me if followed else None, family=f"NOM{n // 2:02d}")
        if not followed or n == 4:  # médecin traitant and team member, listed once
            f.member(db, patient=patient, pro=me, team_role="gp")
        expected[patient.public_id] = (patient.search_name, patient.id)
    opposed = f.patient(db, gp=me, family="NOM05B")
    db.add(PatientOpposition(patient_id=opposed.id, professional_id=me.id, created_by_account_id=t.gp.account_id))
    db.flush()
    pages = [gp.my_patients(db, actor=t.gp, page=n) for n in (1, 2, 3)]
    assert [page.total for page in pages] == [len(expected)] * 3 and len(expected) == 45
    listed = [row.public_id for page in pages for row in page.items]
    assert [len(page.items) for page in pages] == [20, 20, 5]
    assert listed == sorted(expected, key=expected.get)
    assert opposed.public_id not in listed


def test_search_by_name_words_or_exact_ins_and_wildcards_are_plain(db):
    t = team(db)
    gp_pro = db.get(Professional, t.gp.professional_id)
    dupont = f.patient(db, gp=gp_pro, family="DUPONT")
    f.patient(db, gp=gp_pro, family="DURAND")
    assert [r.public_id for r in gp.my_patients(db, actor=t.gp, query="dupo").items] == [dupont.public_id]
    assert [r.public_id for r in gp.my_patients(db, actor=t.gp, query=dupont.ins).items] == [dupont.public_id]
    assert gp.my_patients(db, actor=t.gp, query="%").items == []
    assert gp.my_patients(db, actor=t.gp, query="DU_ONT").items == []
    assert gp.my_patients(db, actor=t.gp, query="'; DROP TABLE patient; --").items == []


def test_what_is_new_since_my_last_visit(db):
    t = team(db)
    p = t.patient.public_id
    reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation(title="Avant"))
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="gp_liaison",
                        values={**medical(), "channel": "phone"})
    db.flush()
    first = row_for(gp.my_patients(db, actor=t.gp), t.patient)
    assert first.last_visit == ""  # never opened: only what is left to read is news
    assert (first.new_count, first.news) == (1, "compte rendu")
    gp.patient_pathway(db, actor=t.gp, patient_public_id=p)
    db.flush()
    seen = row_for(gp.my_patients(db, actor=t.gp), t.patient)
    assert (seen.new_count, seen.news) == (0, "") and seen.last_visit != ""

    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis", values=medical())
    doc_id = reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation())
    db.flush()
    news = row_for(gp.my_patients(db, actor=t.gp), t.patient)
    # the report's own timeline step is counted once, as the document
    assert news.new_count == 2 and news.news == "compte rendu, annonce"

    documents.describe(db, actor=t.gp, document_public_id=doc_id)  # read in the reader
    db.flush()
    assert row_for(gp.my_patients(db, actor=t.gp), t.patient).news == "annonce"

    reports.correct_structured(db, actor=t.clinician, document_public_id=doc_id, expected_version=1,
                               values=consultation(conclusion="Radiothérapie."), reason="Erreur de conclusion")
    db.flush()
    assert row_for(gp.my_patients(db, actor=t.gp), t.patient).news == "compte rendu, annonce"  # a new version is unread

    view = gp.patient_pathway(db, actor=t.gp, patient_public_id=p)
    assert view.new_count >= 2 and any(step.new and step.kind == "announcement_medical" for step in view.timeline)
    db.flush()
    after = row_for(gp.my_patients(db, actor=t.gp), t.patient)
    assert after.new_count == 0


def test_the_list_costs_two_queries_a_page_whatever_the_number_of_patients(db):
    t = team(db)
    gp_pro = db.get(Professional, t.gp.professional_id)

    def selects() -> int:
        statements = []
        engine = db.get_bind()

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                statements.append(statement)

        gp.my_patients(db, actor=t.gp)  # warm the charter / role checks' caches alike
        event.listen(engine, "before_cursor_execute", count)
        try:
            gp.my_patients(db, actor=t.gp)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return statements

    for _ in range(2):
        f.patient(db, gp=gp_pro)
    few = selects()
    for _ in range(25):
        patient = f.patient(db, gp=gp_pro)
        pathway.add_event(db, patient_id=patient.id, kind="suspicion", occurred_on=TODAY, title="Suspicion")
    db.flush()
    many = selects()
    assert len(many) == len(few)  # nothing per row
    on_patients = [s for s in many if "FROM patient" in s]
    assert len(on_patients) == 2, on_patients  # the count and the page


def test_sql_visibility_agrees_with_document_visible(db):
    t = team(db)
    me = db.get(Professional, t.gp.professional_id)
    other = f.professional(db)
    patients = {"mine": t.patient, "team": f.patient(db, gp=other)}
    f.member(db, patient=patients["team"], pro=me, team_role="gp")
    made = []
    for (where, withheld, hidden, author) in itertools.product(patients, (False, True), (False, True), ("me", "other", None)):
        patient = patients[where]
        doc = Document(patient_id=patient.id, kind="consultation", title="x", status=DocumentStatus.VALIDATED,
                       current_version=1, withheld_from_medecin_traitant=withheld, hidden_from_professionals=hidden,
                       author_professional_id={"me": me.id, "other": other.id, None: None}[author])
        db.add(doc)
        made.append(doc)
    db.flush()
    for key, patient in patients.items():
        grant = Grant.MEDECIN_TRAITANT if key == "mine" else Grant.CARE_TEAM
        expected = {d.id for d in made if d.patient_id == patient.id
                    and access.document_visible(actor=t.gp, grant=grant, document=d, patient=patient)}
        found = set(db.exec(select(Document.id).join(Patient, Patient.id == Document.patient_id).where(
            Document.patient_id == patient.id, access.shared_document_clause(me.id))).all())
        assert found == expected, key


# --------------------------------------------------------------------------------------------------- one patient


def test_the_pathway_view_is_for_gps_and_records_the_visit(db):
    t = team(db)
    with pytest.raises(AccessDenied):
        gp.patient_pathway(db, actor=t.clinician, patient_public_id=t.patient.public_id)
    outsider_gp = f.actor_for(db, f.account(db, role=Role.GP, professional=f.professional(db))[0])
    with pytest.raises(AccessDenied):
        gp.patient_pathway(db, actor=outsider_gp, patient_public_id=t.patient.public_id)
    view = gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id)
    assert view.last_visit == "" and view.grant == "medecin_traitant"
    visit = db.get(PatientVisit, (t.gp.account_id, t.patient.id))
    assert visit is not None
    assert gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id).last_visit != ""


def test_a_suspected_cancer_is_not_shown_as_a_diagnosis_until_the_pathology_report_date(db):
    t = team(db)
    row = CancerDiagnosis(patient_id=t.patient.id, icd10_code="C67.9", icd10_label="Tumeur maligne de la vessie",
                          suspicion_date=TODAY - timedelta(days=9))
    db.add(row)
    db.flush()
    view = gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id)
    assert view.diagnosis == "C67.9 Tumeur maligne de la vessie"
    assert view.suspicion_note == ("Diagnostic non confirmé : la date du compte rendu d'anatomo-cytopathologie (CR-ACP) "
                                   f"n'est pas encore enregistrée (suspicion du {formatting.date_fr(row.suspicion_date)}).")
    row.suspicion_date = None
    db.add(row)
    db.flush()
    assert gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id).suspicion_note.endswith("enregistrée.")

    row.diagnosis_date = TODAY - timedelta(days=2)
    db.add(row)
    db.flush()
    assert gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id).suspicion_note == ""


def test_delays_over_their_targets_are_flagged_from_the_dates_held(db):
    t = team(db)
    db.add(CancerDiagnosis(patient_id=t.patient.id, icd10_code="C50.9", icd10_label="Tumeur maligne du sein",
                           diagnosis_date=TODAY - timedelta(days=40)))
    db.flush()
    [delay] = gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id).delays
    assert delay.key == "diagnosis_to_rcp" and delay.exceeded and delay.status == "waiting"
    assert delay.text.startswith("Pas encore de RCP : 5 semaines et 5 jours depuis le diagnostic")

    pathway.add_event(db, patient_id=t.patient.id, kind="rcp_decision", occurred_on=TODAY - timedelta(days=20), title="RCP")
    pathway.record_milestone(db, actor=t.clinician, patient_public_id=t.patient.public_id, kind="treatment_start",
                             occurred_on=(TODAY - timedelta(days=2)).isoformat())
    db.flush()
    delays = {d.key: d for d in gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id).delays}
    assert not delays["diagnosis_to_rcp"].exceeded and delays["diagnosis_to_rcp"].days == 20
    assert delays["rcp_to_treatment"].status == "done" and delays["rcp_to_treatment"].days == 18
    assert delays["rcp_to_pps"].exceeded and delays["rcp_to_pps"].status == "waiting"  # no PPS after 20 days


def test_contacts_links_come_from_stored_values_only(db):
    t = team(db)
    nurse = db.get(Professional, t.nurse.professional_id)
    clinician = db.get(Professional, t.clinician.professional_id)
    nurse.phone, nurse.email = "javascript:alert(1)", "x@y.fr?subject=<script>"
    clinician.phone, clinician.email = "+33 2 99 10 10 10", "dr.moreau@chu.example.org"
    db.flush()
    view = gp.patient_pathway(db, actor=t.gp, patient_public_id=t.patient.public_id)
    good = next(c for c in view.care_team if c.phone == "+33 2 99 10 10 10")
    assert (good.tel_href, good.mailto_href) == ("tel:+33299101010", "mailto:dr.moreau@chu.example.org")
    bad = next(c for c in view.care_team if c.phone == "javascript:alert(1)")
    assert bad.tel_href == "" and bad.mailto_href == "" and bad.email == ""


def test_next_steps_from_the_pps_only_when_the_patient_agreed(world):
    w = world
    write(w)
    pps.record_handover(w.db, actor=w.onco, patient_public_id=w.patient.public_id, expected_version=1,
                        handed_over_on="2026-03-05", by_professional_public_id=w.onco_pro.public_id, gp_consent="refused",
                        now=NOW)
    w.db.flush()
    assert w.patient.care_stage == "treatment"  # the handover moves the patient on
    view = gp.patient_pathway(w.db, actor=w.gp, patient_public_id=w.patient.public_id, now=NOW)
    assert view.pps == "withheld" and view.next_steps == []
    assert all(d.key != "rcp_to_pps" for d in view.delays)
    assert all(step.kind != "pps" for step in view.timeline)
    pps.record_gp_consent(w.db, actor=w.onco, patient_public_id=w.patient.public_id, gp_consent="agreed", now=NOW)
    w.db.flush()
    view = gp.patient_pathway(w.db, actor=w.gp, patient_public_id=w.patient.public_id, now=NOW)
    assert view.pps == "shared" and view.next_steps[0].title == "Chimiothérapie EC (séance 1 sur 4)"
    assert view.next_steps[0].day.startswith("Vendredi 20 mars 2026")


# --------------------------------------------------------------------------------------------------- documents


def test_shared_documents_unread_first_and_reading_settles_the_notification(db):
    t = team(db)
    p = t.patient.public_id
    older = reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation(title="Première"))
    newer = reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation(title="Seconde"))
    draft = reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation(validate="", title="Brouillon"))
    db.flush()
    documents.describe(db, actor=t.gp, document_public_id=newer)
    db.flush()
    page = gp.shared_documents(db, actor=t.gp, patient_public_id=p)
    assert [(d.title, d.unread) for d in page.items] == [("Première", True), ("Seconde", False)]
    assert draft not in {d.public_id for d in page.items}
    notes = db.exec(select(Notification).where(Notification.account_id == t.gp.account_id)).all()
    read = {n.document_id: n.read_at is not None for n in notes}
    ids = {public: db.exec(select(Document.id).where(Document.public_id == public)).one() for public in (older, newer)}
    assert read[ids[newer]] and not read[ids[older]]
    with pytest.raises(AccessDenied):
        gp.shared_documents(db, actor=t.outsider, patient_public_id=p)


def test_every_structured_kind_has_a_print_view(db):
    t = team(db)
    for kind in ("cr_acp", "imaging", "treatment_summary", "announcement_summary", "other"):
        document, version = documents.create(db, actor=t.clinician, patient=t.patient, kind=kind, title=f"Titre {kind}",
                                             content={"author": "Dr X", "body": "<script>alert(1)</script>"})
        html = documents.print_html(db, document=document, version=version, patient=t.patient)
        assert "&lt;script&gt;" in html and "<script>alert" not in html


# --------------------------------------------------------------------------------------------------- care stage


def test_services_keep_the_care_stage_and_a_late_entry_does_not_move_it_back(db):
    t = team(db)
    p = t.patient.public_id
    patient = t.patient
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis",
                        values=medical(occurred_on=(TODAY - timedelta(days=10)).isoformat()))
    assert patient.care_stage == "announcement"
    pathway.record_milestone(db, actor=t.clinician, patient_public_id=p, kind="treatment_start",
                             occurred_on=(TODAY - timedelta(days=3)).isoformat())
    assert patient.care_stage == "treatment"
    # a consultation of the announcement entered today but dated before the treatment start
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_treatment",
                        values=medical(occurred_on=(TODAY - timedelta(days=5)).isoformat()))
    assert patient.care_stage == "treatment"
    pathway.record_milestone(db, actor=t.nurse, patient_public_id=p, kind="follow_up", occurred_on=TODAY.isoformat(),
                             detail="Surveillance alternée")
    assert patient.care_stage == "follow_up"
    with pytest.raises(ValidationFailed):
        pathway.record_milestone(db, actor=t.clinician, patient_public_id=p, kind="diagnosis", occurred_on=TODAY.isoformat())
    with pytest.raises(ValidationFailed):
        pathway.record_milestone(db, actor=t.clinician, patient_public_id=p, kind="treatment_end",
                                 occurred_on=(TODAY + timedelta(days=3)).isoformat())
    for actor in (t.gp, t.secretary, t.outsider, t.patient_actor):
        with pytest.raises(AccessDenied):
            pathway.record_milestone(db, actor=actor, patient_public_id=p, kind="follow_up", occurred_on=TODAY.isoformat())
    titles = [n.title for n in db.exec(select(Notification).where(Notification.account_id == t.gp.account_id,
                                                                   Notification.kind == "pathway_step")).all()]
    assert titles and all(title.endswith(": nouvelle étape du parcours") for title in titles)


def test_notify_medecin_traitant_respects_opposition_and_consent(db):
    t = team(db)
    db.add(PatientOpposition(patient_id=t.patient.id, professional_id=t.gp.professional_id,
                             created_by_account_id=t.patient_actor.account_id))
    db.flush()
    reports.create_structured(db, actor=t.clinician, patient_public_id=t.patient.public_id, values=consultation())
    assert db.exec(select(Notification).where(Notification.account_id == t.gp.account_id)).all() == []


def test_notification_titles_carry_no_clinical_detail(db):
    t = team(db)
    p = t.patient.public_id
    db.add(CancerDiagnosis(patient_id=t.patient.id, icd10_code="C50.9", icd10_label="Tumeur maligne du sein"))
    announcement.record(db, actor=t.clinician, patient_public_id=p, temps="medical_diagnosis", values=medical())
    reports.create_structured(db, actor=t.clinician, patient_public_id=p, values=consultation(title="Biopsie mammaire gauche"))
    staged = reports.stage_pdf(db, actor=t.clinician, patient_public_id=p, data=small_pdf(), file_name="cr.pdf")
    reports.file_pdf(db, actor=t.clinician, patient_public_id=p, staged_token=staged.token,
                     values={"kind": "cr_acp", "service_date": TODAY.isoformat(), "title": "Carcinome canalaire",
                             "author": "Dr Path", "establishment": "Labo", "conclusion": "Carcinome", "validate": "on"})
    pathway.record_milestone(db, actor=t.clinician, patient_public_id=p, kind="treatment_start", occurred_on=TODAY.isoformat())
    db.flush()
    titles = [n.title for n in db.exec(select(Notification).where(Notification.account_id == t.gp.account_id)).all()]
    assert len(titles) == 4
    for title in titles:
        for clinical in ("sein", "Carcinome", "Biopsie", "C50", "Consultation d'oncologie", "Chimiothérapie"):
            assert clinical.lower() not in title.lower(), title
