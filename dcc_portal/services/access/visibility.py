"""DMP visibility flags of a document, set and cleared by the clinicians of the patient's care team.

- `hidden_from_professionals` (MASQUE_PS): only the author and the médecin traitant still see the document
  (a clinician who masks a document they did not write stops seeing it too);
- `invisible_to_patient` (INVISIBLE_PATIENT): the patient does not see it (e.g. until the announcement);
- `invisible_to_legal_reps`: the patient's legal representatives do not see it.

What the flags mean for each reader is decided in `access.document_visible` / `access.patient_may_see`; every
change is audited with the flags before and after and the reason given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from dcc_portal.models import AuditAction, Document, Grant, Patient, Role
from dcc_portal.services.access import audit
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import inputs, registry
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed

# Document attribute -> (DMP code, French label).
# Who hears of a change of a document's flags, in the same transaction, as "module:function" taking
# (db, *, actor, document, now): the DMP feed sends the registered version's new visibility as a metadata update.
ON_CHANGED: tuple[str, ...] = ("dcc_portal.services.exchange.sharing_updates:on_visibility_changed",)

FLAGS: dict[str, tuple[str, str]] = {
    "hidden_from_professionals": ("MASQUE_PS", "masqué aux professionnels"),
    "invisible_to_patient": ("INVISIBLE_PATIENT", "non visible par le patient"),
    "invisible_to_legal_reps": ("INVISIBLE_REPRESENTANTS_LEGAUX", "non visible par les représentants légaux"),
}
REASON_MAX_LENGTH = 250  # fits in the audit detail with the list of changes
SETTER_ROLES = frozenset({Role.CLINICIAN})


@dataclass(frozen=True)
class Visibility:
    document_public_id: str
    hidden_from_professionals: bool
    invisible_to_patient: bool
    invisible_to_legal_reps: bool

    @property
    def dmp_codes(self) -> list[str]:
        """The DMP confidentiality codes that go with the document, after `N` (normal)."""
        return [code for name, (code, _label) in FLAGS.items() if getattr(self, name)]


def _of(document: Document) -> Visibility:
    return Visibility(document.public_id, document.hidden_from_professionals, document.invisible_to_patient,
                      document.invisible_to_legal_reps)


def get(db: Session, *, actor: Actor, document_public_id: str) -> Visibility:
    """The current flags, for anyone who may see the document (audited read)."""
    document, _patient, _grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                         action=AuditAction.READ, detail="visibilité du document")
    return _of(document)


def set_flags(
    db: Session,
    *,
    actor: Actor,
    document_public_id: str,
    hidden_from_professionals: bool | None = None,
    invisible_to_patient: bool | None = None,
    invisible_to_legal_reps: bool | None = None,
    reason: str = "",
) -> Visibility:
    """Set (True) or clear (False) each flag given; None leaves it as it is.

    Only a clinician of the patient's care team, who can see the document, may change them; anyone else is
    refused and the refusal audited."""
    wanted = {
        "hidden_from_professionals": hidden_from_professionals,
        "invisible_to_patient": invisible_to_patient,
        "invisible_to_legal_reps": invisible_to_legal_reps,
    }
    if actor.role not in SETTER_ROLES:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, detail="visibilité du document : rôle non autorisé")
    document, patient, grant = access.require_document(db, actor=actor, document_public_id=document_public_id,
                                                       action=AuditAction.UPDATE, detail="visibilité du document")
    if grant != Grant.CARE_TEAM:
        raise access.deny(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id,
                          detail=f"visibilité du document {document.public_id} hors équipe de soins")
    errors = {name: "Valeur invalide : oui ou non." for name, value in wanted.items() if value is not None and not isinstance(value, bool)}
    reason = inputs.line(reason)
    if len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = f"Le motif ne doit pas dépasser {REASON_MAX_LENGTH} caractères."
    if errors:
        raise ValidationFailed(errors)
    return apply(db, actor=actor, document=document, patient=patient, grant=grant, wanted=wanted, reason=reason)


def apply(db: Session, *, actor: Actor, document: Document, patient: Patient, grant: str, wanted: dict[str, bool | None],
          reason: str) -> Visibility:
    """Once the actor's right and the input are checked: change the flags, audit the change and announce it."""
    changes = []
    for name, value in wanted.items():
        if value is not None and getattr(document, name) != value:
            setattr(document, name, value)
            code, label = FLAGS[name]
            changes.append(f"{code} ({label}) {'activé' if value else 'retiré'}")
    if changes:
        db.add(document)
        detail = "visibilité : " + "; ".join(changes) + (f" ; motif : {reason}" if reason else "")
        audit.record(db, actor=actor, action=AuditAction.UPDATE, patient_id=patient.id, grant=grant,
                     document_id=document.public_id, document_version=document.current_version, detail=detail)
        for listener in ON_CHANGED:
            registry.resolve(listener)(db, actor=actor, document=document, now=None)
    return _of(document)
