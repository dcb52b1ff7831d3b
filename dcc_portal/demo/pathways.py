"""Demo pathways: diagnoses (realistic CIM-10 / ICD-O-3 / TNM combinations), reports (small PDFs rendered with
WeasyPrint for external ones) and announcement steps consistent with each demo patient's care stage.
Idempotent: nothing is added when the demo patients already have diagnoses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.demo import acts
from dcc_portal.demo import rcp as demo_rcp
from dcc_portal.formatting import paris_today
from dcc_portal.models import (
    Account,
    AnnouncementTemps,
    AuditAction,
    CancerDiagnosis,
    CareTeamMembership,
    DocumentKind,
    NotificationKind,
    Organisation,
    PathwayEventKind,
    Patient,
    Professional,
    ProfessionalOrganisation,
    Role,
    TeamRole,
)
from dcc_portal.services.common import render, terminology
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.names import patient_name, professional_label
from dcc_portal.services.record import announcement, documents, notifications, pathway

PARIS = formatting.PARIS


PDF_PATIENTS = 24  # uploaded PDFs for the first patients only: rendering each takes a fraction of a second


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=PARIS).astimezone(UTC)


def _pdf(*, kind: str, title: str, patient: Patient, day: date, author: str, establishment: str, body: str, conclusion: str) -> bytes:
    kind_label = documents.kind_label(kind)
    html = render.render(
        "print/report.html.j2", title=kind_label, footer=f"{kind_label} — {establishment}", show_print_button=False,
        kind_label=kind_label, document_title=title, patient_name=patient_name(patient),
        birth_date=formatting.date_fr(patient.birth_date), ins=formatting.ins_display(patient.ins),
        service_date=formatting.date_fr(day), author=author, establishment=establishment, conclusion=conclusion,
        body=body, version=1, version_reason="", version_date="", validated=formatting.date_fr(day),
    )
    return render.pdf(html)


def load_demo_pathways(db: Session, *, today: date | None = None) -> bool:
    demo = db.exec(select(Patient).where(Patient.local_id.startswith("DEMO-")).order_by(Patient.local_id)).all()
    if not demo:
        return False
    if db.exec(select(CancerDiagnosis.id).where(CancerDiagnosis.patient_id.in_([p.id for p in demo]))).first() is not None:
        return False
    today = today or paris_today()
    accounts = {pro_id: acc_id for pro_id, acc_id in db.exec(
        select(Account.professional_id, Account.id).where(Account.professional_id.is_not(None))).all()}
    primary_org = dict(db.exec(select(ProfessionalOrganisation.professional_id, ProfessionalOrganisation.organisation_id)).all())
    org_names = dict(db.exec(select(Organisation.id, Organisation.name)).all())

    def actor_of(pro: Professional, role: Role) -> Actor:
        return Actor(account_id=accounts.get(pro.id), role=role, display_name=professional_label(pro),
                     professional_id=pro.id, organisation_id=primary_org.get(pro.id))

    for index, patient in enumerate(demo):
        team = {m.team_role: db.get(Professional, m.professional_id) for m in db.exec(
            select(CareTeamMembership).where(CareTeamMembership.patient_id == patient.id)).all()}
        oncologist, nurse = team.get(TeamRole.REFERENT_PHYSICIAN), team.get(TeamRole.NURSE)
        pathologist = team.get(TeamRole.PATHOLOGIST)
        if oncologist is None or nurse is None:
            continue
        story = demo_rcp.patient_story(patient, today)
        cancer, stage = story.cancer, story.step
        suspicion, acp_day = story.suspicion, story.diagnosis or story.suspicion
        announce_day, treatment_day = story.announcement, story.treatment
        doctor = actor_of(oncologist, Role.CLINICIAN)
        recent = lambda day: (today - day).days <= 21
        with_pdf = index < PDF_PATIENTS

        site = terminology.concept(terminology.TUMOURS, cancer.icd10)
        morphology = terminology.concept(terminology.MORPHOLOGIES, cancer.morphology)
        diagnosed = stage >= 1
        db.add(CancerDiagnosis(
            patient_id=patient.id, icd10_code=site.code, icd10_label=site.display,
            morphology_code=morphology.code if diagnosed else "", morphology_label=morphology.display if diagnosed else "",
            laterality=cancer.laterality, tnm_prefix=cancer.prefix if diagnosed else "c",
            tnm_t=cancer.t if diagnosed else "", tnm_n=cancer.n if diagnosed else "", tnm_m=cancer.m if diagnosed else "",
            other_staging=cancer.other if diagnosed else "", who_performance_status=(index % 3) if diagnosed else None,
            who_performance_date=acp_day + timedelta(days=5) if diagnosed else None, suspicion_date=suspicion,
            diagnosis_date=acp_day if diagnosed else None, discovery_mode=["screening", "symptoms", "incidental"][index % 3],
            clinical_phase="initial", created_at=_at(suspicion), updated_at=_at(acp_day if diagnosed else suspicion),
        ))
        pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.SUSPICION, occurred_on=suspicion,
                          title=f"Suspicion : {cancer.imaging.lower()} évocatrice", author_professional_id=None)

        def filed(kind: str, day: date, title: str, author: str, establishment: str, body: str, conclusion: str,
                  *, pdf: bool, announces: bool | None = None, by: Actor = doctor) -> None:
            content = {"author": author, "establishment": establishment, "conclusion": conclusion}
            written = _at(day, 17)
            with acts.act(db, by, patient, at=written, action=AuditAction.CREATE,
                          detail="dépôt d'un compte rendu PDF" if pdf else "compte rendu structuré") as (actor, _grant):
                if pdf:
                    data = _pdf(kind=kind, title=title, patient=patient, day=day, author=author, establishment=establishment,
                                body=body, conclusion=conclusion)
                    document, _ = documents.create(db, actor=actor, patient=patient, kind=kind, title=title, content=content,
                                                   file_bytes=data, mime_type="application/pdf", service_date=day,
                                                   announces_cancer=announces, reason="dépôt", now=written)
                else:
                    document, _ = documents.create(db, actor=actor, patient=patient, kind=kind, title=title,
                                                   content={**content, "body": body}, service_date=day,
                                                   announces_cancer=announces, now=written)
                documents.validate(db, actor=actor, document=document, now=written)
            pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.REPORT, occurred_on=day,
                              title=f"{documents.kind_label(kind)} : {title}", document_id=document.id,
                              author_professional_id=by.professional_id)
            if recent(day):
                notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.DOCUMENT_SHARED,
                                                      title="nouveau document disponible", document_id=document.id)

        def step(temps: str, day: date, hour: int, content: dict, by: Professional, role: Role) -> None:
            at = _at(day, hour)
            with acts.act(db, actor_of(by, role), patient, at=at, action=AuditAction.CREATE,
                          detail=f"annonce : {announcement.TEMPS_LABELS[temps]}"):
                announcement.create_step(db, patient=patient, temps=temps, occurred_on=day, content=content, author=by,
                                         account_id=accounts.get(by.id), now=at)

        if with_pdf:
            filed(DocumentKind.IMAGING, suspicion, cancer.imaging, "Dr Nadia MERCIER", "Centre d'imagerie du Parc (fictif)",
                  f"{cancer.imaging} réalisée(s) le {formatting.date_fr(suspicion)}.", "Image suspecte : avis spécialisé et prélèvements recommandés.",
                  pdf=True, announces=True)
        if diagnosed:
            author = professional_label(pathologist) if pathologist else "Laboratoire d'anatomie pathologique (fictif)"
            filed(DocumentKind.CR_ACP, acp_day, cancer.biopsy, author, org_names.get(primary_org.get(pathologist.id if pathologist else 0), "CHU de Villeneuve-sur-Loire (fictif)"),
                  f"Prélèvements : {cancer.biopsy.lower()}.\nExamen macroscopique et microscopique standard.", cancer.conclusion,
                  pdf=with_pdf or stage >= 3, by=actor_of(pathologist, Role.CLINICIAN) if pathologist else doctor)
            pathway.add_event(db, patient_id=patient.id, kind=PathwayEventKind.DIAGNOSIS, occurred_on=acp_day,
                              title=f"Diagnostic : {site.code} {site.display}", author_professional_id=pathologist.id if pathologist else None)
        if stage >= 3:  # announcement recorded
            patient.medical_announcement_at = _at(announce_day, 11)
            db.add(patient)
            step(AnnouncementTemps.MEDICAL_DIAGNOSIS, announce_day, 11,
                 {"notes": "Annonce du diagnostic en présence d'un proche. Questions sur les traitements ; "
                           "remise des coordonnées de l'infirmière d'annonce.", "accompanied_by": "Un proche"},
                 oncologist, Role.CLINICIAN)
            nursing_day = announce_day + timedelta(days=2)
            needs = {"pain": "none", "nutrition": "ORG-036" if index % 2 else "none", "psychological": "PSYCHO" if index % 3 == 0 else "need",
                     "social": "SOCIAL" if index % 4 == 0 else "none", "physical_activity": "ORG-175", "fertility": "",
                     "addictions": "MED-562" if index % 5 == 0 else "none"}
            if stage >= 4 or index % 2 == 0:
                step(AnnouncementTemps.NURSING, nursing_day, 15,
                     {"notes": "Reformulation de l'annonce, explication du parcours. Patient(e) inquiet(e) "
                               "mais bien entouré(e).", "needs": needs},
                     nurse, Role.NURSE)
            if recent(announce_day):
                notifications.notify_medecin_traitant(db, patient=patient, kind=NotificationKind.ANNOUNCEMENT_RECORDED,
                                                      title="nouvelle étape du dispositif d'annonce")
        if stage >= 4:  # treatment started
            step(AnnouncementTemps.MEDICAL_TREATMENT, treatment_day - timedelta(days=5), 12,
                 {"notes": "Proposition thérapeutique de la RCP expliquée ; le patient l'accepte. PPS remis.", "accompanied_by": ""},
                 oncologist, Role.CLINICIAN)
            step(AnnouncementTemps.GP_LIAISON, treatment_day - timedelta(days=4), 16,
                 {"notes": "Appel au médecin traitant : diagnostic, traitement prévu, contacts de l'équipe.", "channel": "phone"},
                 nurse, Role.NURSE)
            filed(DocumentKind.CONSULTATION, treatment_day, "Consultation d'oncologie médicale", professional_label(oncologist),
                  org_names.get(primary_org.get(oncologist.id), ""),
                  "Patient(e) revu(e) avant le début du traitement. Bonne tolérance clinique, pas de contre-indication.",
                  "Début du traitement confirmé.", pdf=False)
        if stage >= 5:  # follow-up
            end_day = story.follow_up
            if end_day < today:
                filed(DocumentKind.TREATMENT_SUMMARY, end_day, "Fin de traitement : synthèse", professional_label(oncologist),
                      org_names.get(primary_org.get(oncologist.id), ""), "Traitement réalisé selon le programme prévu.",
                      "Surveillance selon le référentiel régional.", pdf=with_pdf)
    db.flush()
    return True
