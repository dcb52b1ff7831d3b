"""Role guards between areas, and what the browser receives: no secrets, no other patients."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import or_
from sqlmodel import select

from dcc_portal.models import Account, CareTeamMembership, Patient
from tests.browser.helpers import account, assert_fits_width, audit_events, enrol, loaded, login, shot

HOMES = {
    "patient.dubois": "/patient",
    "mg.durand": "/gp",
    "onco.girard": "/team",
    "ide.petit": "/team",
    "sec.leclerc": "/team",
    "admin.dsrc": "/admin",
}


@pytest.mark.parametrize(
    ("identifier", "home", "forbidden"),
    [("mg.durand", "/gp", ["/team", "/admin"]), ("patient.leroy", "/patient", ["/gp", "/team/patient?p=x"])],
)
def test_other_areas_are_forbidden_and_audited(page_factory, server, viewport, identifier, home, forbidden):
    secret = enrol(server, identifier)
    page = page_factory(viewport)
    login(page, server, identifier, secret, lands_on=home)
    account_id = account(server, identifier).id
    before = len(audit_events(server, action="area_access", account_id=account_id))
    for url in forbidden:
        page.goto(url)
        expect(page.get_by_test_id("forbidden")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/forbidden/?$"))
    shot(page, f"forbidden-{identifier}-{viewport}")
    assert_fits_width(page)
    denied = audit_events(server, action="area_access", account_id=account_id)[before:]
    assert len(denied) == len(forbidden) and all(event.outcome == "denied" for event in denied)


def _visible_patient_ins(server, identifier: str) -> tuple[set[str], set[str]]:
    """(INS the user may see, INS of everyone else)."""
    with server.session() as session:
        row = session.exec(select(Account).where(Account.identifier == identifier)).one()
        everyone = set(session.exec(select(Patient.ins)).all())
        if row.patient_id:
            mine = {session.get(Patient, row.patient_id).ins}
        elif row.professional_id and row.role != "admin":
            team = select(CareTeamMembership.patient_id).where(CareTeamMembership.professional_id == row.professional_id)
            mine = set(
                session.exec(
                    select(Patient.ins).where(or_(Patient.gp_professional_id == row.professional_id, Patient.id.in_(team)))
                ).all()
            )
        else:
            mine = set()
    return mine, everyone - mine


def _grouped(ins: str) -> str:
    return f"{ins[0]} {ins[1:3]} {ins[3:5]} {ins[5:7]} {ins[7:10]} {ins[10:13]} {ins[13:]}"


@pytest.mark.parametrize("identifier", list(HOMES))
def test_browser_state_holds_no_secret_and_no_other_patient(page_factory, server, identifier):
    secret = enrol(server, identifier)
    page = page_factory("tablet")
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    login(page, server, identifier, secret, lands_on=HOMES[identifier])
    loaded(page)
    page.goto("/account")
    expect(page.get_by_test_id("codes-left")).to_be_visible()
    loaded(page)

    received = "\n".join(frames)
    assert received, "no websocket traffic captured"
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "dcc_session")
    assert len(token) >= 43
    row = account(server, identifier)
    forbidden = {
        "password hash": row.password_hash,
        "argon2 hash prefix": "$argon2",
        "TOTP seed": secret,
        "TOTP seed (grouped)": " ".join(secret[i : i + 4] for i in range(0, 32, 4)),
        "session token": token,
        "session token hash": hashlib.sha256(token.encode()).hexdigest(),
        "backend var": "_pending_account_id",
    }
    for label, value in forbidden.items():
        assert value not in received, f"{label} reached the browser"

    _mine, others = _visible_patient_ins(server, identifier)
    leaked = [ins for ins in others if ins in received or _grouped(ins) in received]
    assert not leaked, f"{identifier} received {len(leaked)} other patients' INS"
