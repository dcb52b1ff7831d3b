"""The professionals the local Pro Santé Connect knows: the demo's health professionals with their RPPS, and one
physician the portal has no account for (her login is refused)."""

from __future__ import annotations

from dcc_portal.demo import seed
from dcc_portal.peers.psc import KnownProfessional
from dcc_portal.services.common import identifiers

UNKNOWN_RPPS = identifiers.with_rpps_check_digit("9999099999")


def professionals() -> list[KnownProfessional]:
    known = []
    for index, spec in enumerate(seed.PROS, start=1):
        if not spec.specialty.startswith("G15_"):
            continue  # secretariat and administration: no RPPS, no e-CPS
        profession, _, specialty = spec.specialty.removeprefix("G15_").partition("/")
        known.append(KnownProfessional(rpps=seed.demo_rpps(index), given_name=spec.given, family_name=spec.family.upper(),
                                       profession_code=profession, specialty_code=specialty,
                                       organisation=seed.ORGS[spec.org][0]))
    known.append(KnownProfessional(rpps=UNKNOWN_RPPS, given_name="Jeanne", family_name="HORS-RÉSEAU",
                                   specialty_code="SM54", organisation="Cabinet hors réseau (fictif)"))
    return known
