"""Errors the domain raises; their messages are French and safe to show to the user."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AccessDenied(DomainError):
    """One generic answer whatever the reason; the reason is in the audit trail."""

    def __init__(self, message: str = "Accès refusé : vous n'avez pas accès à ces informations."):
        super().__init__(message)


class NotAuthenticated(DomainError):
    def __init__(self, message: str = "Votre session a expiré. Merci de vous reconnecter."):
        super().__init__(message)


class ValidationFailed(DomainError):
    """Field-level problems: {field name: French message}. Nothing was saved."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class StaleVersion(DomainError):
    def __init__(self):
        super().__init__(
            "Ce document a été modifié par quelqu'un d'autre pendant votre saisie. "
            "Rechargez-le : votre enregistrement n'a pas été appliqué."
        )
