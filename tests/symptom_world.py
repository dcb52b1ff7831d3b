"""A patient in chemotherapy (the test PPS handed over and announced) with a care team, for the symptom tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dcc_portal.services.symptoms import checkin
from tests.pps_world import announce, hand_over, world, write  # noqa: F401  (fixture)

IN_TREATMENT = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)  # the chemotherapy of the test PPS started on 20 March


@pytest.fixture
def treated(world):  # noqa: F811
    write(world)
    hand_over(world)
    announce(world)
    world.db.commit()
    return world


def answer_all(w, report, *, fever=None, severity=None, now=IN_TREATMENT):
    for question in report.questions:
        form = {"present": "no"}
        if question.item == "fever" and fever:
            form = {"present": "yes", "temperature": fever}
        elif question.item in (severity or {}):
            form = {"present": "yes", "severity": str(severity[question.item]), "interference": "1"}
        checkin.answer(w.db, actor=w.me, report_public_id=report.report_public_id, item=question.item, form=form, now=now)
