"""The weekly check-in invitation by e-mail: only to the patients who opted in, whose check-in is due, once a week;
delivered by the mail worker to a real SMTP server on localhost, without any clinical content."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from dcc_portal.models import Account, MailMessage, Notification, NotificationKind, SymptomInvitation
from dcc_portal.services.record import mail
from dcc_portal.services.symptoms import checkin, invitations
from tests.symptom_world import IN_TREATMENT, answer_all, treated, world  # noqa: F401  (fixtures)
from tests.test_mail import public_url, smtp, worker  # noqa: F401  (fixtures)

ADDRESS = "marie.claire@example.org"


def opt_in(w) -> None:
    account = w.db.get(Account, w.me.account_id)
    account.email = ADDRESS
    w.db.add(account)
    mail.set_preference(w.db, actor=w.me, enabled=True)
    w.db.commit()


def invitations_of(w) -> list[Notification]:
    return w.db.exec(select(Notification).where(Notification.kind == NotificationKind.SYMPTOM_CHECKIN)
                     .order_by(Notification.id)).all()


def test_an_opted_in_patient_is_invited_once_a_week_by_a_mail_without_clinical_content(treated, db_url, smtp):
    opt_in(treated)
    assert invitations.invite_due(treated.db, now=IN_TREATMENT) == 1
    assert invitations.invite_due(treated.db, now=IN_TREATMENT + timedelta(hours=1)) == 0
    assert invitations.invite_due(treated.db, now=IN_TREATMENT + timedelta(days=5)) == 0  # Sunday, same week
    [notice] = invitations_of(treated)
    assert (notice.account_id, notice.title) == (treated.me.account_id, "Votre questionnaire de la semaine vous attend")
    treated.db.commit()  # the worker writes from its own connection

    server = smtp()
    assert [result.outcome for result in worker(db_url, server.port).run_once()] == ["sent"]
    [(recipients, message)] = server.handler.messages
    assert recipients == [ADDRESS]
    text = (message["Subject"] + "\n" + message.get_content()).lower()
    patient = treated.patient
    for secret in ("symptôme", "questionnaire", "fièvre", "chimiothérapie", "traitement", "alerte", "sein",
                   patient.birth_family_name, patient.first_names, patient.ins, patient.local_id):
        assert secret.lower() not in text, secret

    next_week = IN_TREATMENT + timedelta(days=7)  # still not answered: invited again
    assert invitations.invite_due(treated.db, now=next_week) == 1
    assert len(invitations_of(treated)) == 2
    assert len(treated.db.exec(select(MailMessage)).all()) == 2


def test_no_invitation_without_opt_in_once_answered_or_paused(treated):
    assert invitations.invite_due(treated.db, now=IN_TREATMENT) == 0  # e-mails off
    opt_in(treated)
    report = checkin.start(treated.db, actor=treated.me, now=IN_TREATMENT)
    answer_all(treated, report)
    checkin.submit(treated.db, actor=treated.me, report_public_id=report.report_public_id, now=IN_TREATMENT)
    assert invitations.invite_due(treated.db, now=IN_TREATMENT + timedelta(days=3)) == 0  # answered this week
    checkin.set_paused(treated.db, actor=treated.me, paused=True, now=IN_TREATMENT)
    assert invitations.invite_due(treated.db, now=IN_TREATMENT + timedelta(days=8)) == 0  # paused
    checkin.set_paused(treated.db, actor=treated.me, paused=False, now=IN_TREATMENT)
    assert invitations.invite_due(treated.db, now=IN_TREATMENT + timedelta(days=8)) == 1
    assert invitations.invite_due(treated.db, now=IN_TREATMENT - timedelta(days=60)) == 0  # before the treatment
    assert [row.week.isoformat() for row in treated.db.exec(select(SymptomInvitation)).all()] == ["2026-03-30"]
