"""The questionnaire without the database: its items (after the PRO-CTCAE French items, in plain words), which of
them each treatment group asks, the 0-4 scales, and the check of one answer."""

from __future__ import annotations

from dataclasses import dataclass

from dcc_portal.services.common import inputs
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.symptoms.rules import TreatmentGroup

NOTE_LIMIT = 1000
TEMPERATURE_MIN, TEMPERATURE_MAX = 34.0, 43.0


@dataclass(frozen=True)
class Item:
    code: str
    label: str  # short name (charts, worklist)
    question: str  # what the patient reads
    interference: bool = True  # also asks how much it got in the way of daily life


ITEMS: dict[str, Item] = {item.code: item for item in (
    Item("fever", "Fièvre", "Avez-vous eu de la fièvre (38 °C ou plus) ?", interference=False),
    Item("nausea", "Nausées", "Avez-vous eu des nausées (envie de vomir) ?"),
    Item("vomiting", "Vomissements", "Avez-vous vomi ?", interference=False),
    Item("diarrhoea", "Diarrhée", "Avez-vous eu la diarrhée (selles liquides) ?", interference=False),
    Item("mucositis", "Aphtes, bouche", "Avez-vous eu des aphtes ou des douleurs dans la bouche ou la gorge ?"),
    Item("fatigue", "Fatigue", "Avez-vous été fatigué(e), sans énergie ?"),
    Item("pain", "Douleur", "Avez-vous eu des douleurs ?"),
    Item("dyspnoea", "Essoufflement", "Avez-vous été essoufflé(e) ?"),
    Item("neuropathy", "Fourmillements", "Avez-vous eu des fourmillements ou engourdissements des mains ou des pieds ?"),
    Item("hand_foot", "Mains et pieds", "Avez-vous eu la peau des mains ou des pieds rouge, gonflée ou craquelée ?"),
    Item("appetite", "Appétit", "Avez-vous perdu l'appétit ?"),
    Item("mood", "Moral", "Vous êtes-vous senti(e) triste ou découragé(e) ?"),
)}

LABELS = {code: item.label for code, item in ITEMS.items()}

COMMON = ("fever", "fatigue", "pain", "appetite", "mood")
GROUP_ITEMS: dict[str, tuple[str, ...]] = {
    TreatmentGroup.CHEMOTHERAPY: ("fever", "nausea", "vomiting", "diarrhoea", "mucositis", "neuropathy", "hand_foot",
                                  "dyspnoea", "fatigue", "pain", "appetite", "mood"),
    TreatmentGroup.TARGETED: ("fever", "diarrhoea", "mucositis", "hand_foot", "nausea", "dyspnoea", "fatigue", "pain",
                              "appetite", "mood"),
    TreatmentGroup.IMMUNOTHERAPY: ("fever", "diarrhoea", "dyspnoea", "nausea", "fatigue", "pain", "appetite", "mood"),
    TreatmentGroup.HORMONE: ("fatigue", "pain", "mood", "appetite", "fever"),
    TreatmentGroup.RADIOTHERAPY: ("fever", "nausea", "diarrhoea", "mucositis", "fatigue", "pain", "appetite", "mood"),
    TreatmentGroup.SURGERY: COMMON,
    TreatmentGroup.OTHER: COMMON,
}

# CI-SIS treatment types (JDV_TypeTraitementPPS_CISIS) to the groups the rules speak of.
TREATMENT_GROUPS: dict[str, TreatmentGroup] = {
    "C15632": TreatmentGroup.CHEMOTHERAPY,
    "MED-126": TreatmentGroup.CHEMOTHERAPY,
    "C93352": TreatmentGroup.TARGETED,
    "C15262": TreatmentGroup.IMMUNOTHERAPY,
    "C15445": TreatmentGroup.HORMONE,
    "C15313": TreatmentGroup.RADIOTHERAPY,
    "C15195": TreatmentGroup.RADIOTHERAPY,
    "MED-232": TreatmentGroup.RADIOTHERAPY,
    "387713003": TreatmentGroup.SURGERY,
}
# When two treatments run together, the group whose rules are the strictest leads.
GROUP_PRIORITY = (TreatmentGroup.CHEMOTHERAPY, TreatmentGroup.IMMUNOTHERAPY, TreatmentGroup.TARGETED,
                  TreatmentGroup.RADIOTHERAPY, TreatmentGroup.HORMONE, TreatmentGroup.SURGERY, TreatmentGroup.OTHER)
GROUP_LABELS = {
    TreatmentGroup.CHEMOTHERAPY: "Chimiothérapie",
    TreatmentGroup.TARGETED: "Thérapie ciblée",
    TreatmentGroup.IMMUNOTHERAPY: "Immunothérapie",
    TreatmentGroup.HORMONE: "Hormonothérapie",
    TreatmentGroup.RADIOTHERAPY: "Radiothérapie",
    TreatmentGroup.SURGERY: "Chirurgie",
    TreatmentGroup.OTHER: "Autre traitement",
}

SEVERITY = ("Aucune", "Légère", "Modérée", "Sévère", "Très sévère")
INTERFERENCE = ("Pas du tout", "Un peu", "Moyennement", "Beaucoup", "Énormément")


def group_of(treatment_types: list[str]) -> TreatmentGroup:
    groups = {TREATMENT_GROUPS.get(code, TreatmentGroup.OTHER) for code in treatment_types}
    return next((group for group in GROUP_PRIORITY if group in groups), TreatmentGroup.OTHER)


@dataclass(frozen=True)
class CheckedAnswer:
    item: str
    present: bool
    severity: int | None
    interference: int | None
    temperature_tenths: int | None
    note: str


def _level(value, field_name: str, errors: dict[str, str], message: str) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        errors[field_name] = message
        return None
    if not text.isdigit() or not 0 <= int(text) <= 4:
        errors[field_name] = "Choisissez une des réponses proposées."
        return None
    return int(text)


def _temperature(value, errors: dict[str, str]) -> int | None:
    text = str(value if value is not None else "").strip().replace(",", ".").removesuffix("°C").strip()
    if not text:
        errors["temperature"] = "Indiquez la température la plus haute que vous avez mesurée."
        return None
    try:
        degrees = float(text[:10])
    except ValueError:
        errors["temperature"] = "Température invalide : écrivez un nombre, par exemple 38,5."
        return None
    if not TEMPERATURE_MIN <= degrees <= TEMPERATURE_MAX:
        errors["temperature"] = (f"Température impossible ({text} °C) : vérifiez votre thermomètre et écrivez une "
                                 f"valeur entre {TEMPERATURE_MIN:.0f} et {TEMPERATURE_MAX:.0f} °C, par exemple 38,5.")
        return None
    return round(degrees * 10)


def check(item: str, form: dict) -> CheckedAnswer:
    """One answer as the patient gave it: {"present": "yes"|"no", "severity", "interference", "temperature", "note"}.
    ValidationFailed with a French message per field; nothing is saved then."""
    errors: dict[str, str] = {}
    spec = ITEMS.get(item)
    if spec is None:
        raise ValidationFailed({"item": "Question inconnue."})
    present_text = str(form.get("present") or "").strip()
    if present_text not in ("yes", "no"):
        errors["present"] = "Répondez par oui ou par non."
    present = present_text == "yes"
    severity = interference = temperature = None
    if present and item == "fever":
        temperature = _temperature(form.get("temperature"), errors)
    elif present:
        severity = _level(form.get("severity"), "severity", errors, "Indiquez l'intensité.")
        if spec.interference:
            interference = _level(form.get("interference"), "interference", errors,
                                  "Indiquez à quel point cela vous a gêné(e).")
    inputs.check_length(inputs.clean(form.get("note")).strip(), NOTE_LIMIT, "note", errors)
    if errors:
        raise ValidationFailed(errors)
    return CheckedAnswer(item, present, severity, interference, temperature, inputs.text(form.get("note"), NOTE_LIMIT))
