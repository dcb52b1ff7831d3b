"""Demo PPS content per tumour site: what the patient reads of the treatments, follow-up and support of a typical
programme for that cancer. `start` is the day of the first treatment; every item is dated on or after it."""

from __future__ import annotations

from datetime import date, timedelta

from dcc_portal.demo import calendar_days

CHEMOTHERAPY, SURGERY, RADIOTHERAPY, HORMONE, IMMUNOTHERAPY, SURVEILLANCE = (
    "C15632", "387713003", "C15313", "C15445", "C15262", "MED-227")
CONSULTATION, IMAGING, BLOOD_TEST = "11429006", "MED-092", "MED-091"
IV, ORAL, INJECTION = "20045000", "20053000", "20066000"


def _iso(day: date) -> str:
    return day.isoformat()


def _after(start: date, days: int) -> str:
    """`days` after the start (before it when negative), moved to the next day the hospital works."""
    return _iso(calendar_days.open_on_or_after(start + timedelta(days=days)))


def breast(start: date) -> dict:
    surgery = start + timedelta(days=21 * 4 + 7 * 12 + 28)
    return {
        "plan_summary": "Quatre cures de chimiothérapie EC puis douze perfusions hebdomadaires de paclitaxel, ensuite une opération "
                        "du sein, puis des séances de radiothérapie et une hormonothérapie par comprimés pendant 5 ans.",
        "treatments": [
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie EC (épirubicine, cyclophosphamide)", "start": _iso(start), "time": "09:00",
             "sessions": "4", "every_days": "21", "rhythm": "Une cure toutes les 3 semaines", "place": "Hôpital de jour, Institut Loire-Océan",
             "route": IV, "side_effects": "Fatigue, nausées, chute des cheveux, baisse des globules blancs (risque d'infection).",
             "management": "Médicaments contre les nausées à prendre 3 jours. Prise de sang avant chaque cure. Fièvre au-dessus de 38 °C : appeler l'hôpital de jour."},
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie par paclitaxel", "start": _after(start, 84), "time": "10:30",
             "sessions": "12", "every_days": "7", "rhythm": "Une perfusion par semaine", "place": "Hôpital de jour, Institut Loire-Océan",
             "route": IV, "side_effects": "Fourmillements des mains et des pieds, douleurs musculaires, fatigue.",
             "management": "Signaler tout fourmillement gênant à l'infirmière : la dose peut être adaptée."},
            {"type": SURGERY, "title": "Chirurgie du sein (tumorectomie et ganglion sentinelle)", "start": _iso(surgery),
             "time": "08:00", "place": "Bloc opératoire, CHU de Villeneuve-sur-Loire", "side_effects": "Douleur et raideur de l'épaule quelques semaines.",
             "management": "Antalgiques prescrits à la sortie ; exercices de kinésithérapie."},
            {"type": RADIOTHERAPY, "title": "Radiothérapie du sein", "start": _iso(surgery + timedelta(days=42)), "time": "11:15",
             "sessions": "15", "weekdays_only": "true", "rhythm": "Une séance par jour du lundi au vendredi, pendant 3 semaines",
             "place": "Service de radiothérapie, Institut Loire-Océan", "side_effects": "Rougeur de la peau, fatigue.",
             "management": "Crème hydratante prescrite, pas de déodorant sur la zone traitée."},
            {"type": HORMONE, "title": "Hormonothérapie (létrozole)", "start": _iso(surgery + timedelta(days=70)),
             "end": _iso(surgery + timedelta(days=70 + 5 * 365)), "rhythm": "Un comprimé par jour pendant 5 ans", "at_home": "true",
             "route": ORAL, "side_effects": "Douleurs articulaires, bouffées de chaleur.", "management": "Activité physique régulière ; en parler à votre médecin."},
        ],
        "follow_up": [
            {"type": CONSULTATION, "title": "Consultation avec votre oncologue", "date": _after(start, 62), "time": "14:30",
             "place": "Institut Loire-Océan"},
            {"type": IMAGING, "title": "IRM mammaire de fin de chimiothérapie", "date": _after(surgery, -14),
             "time": "08:45", "place": "Service d'imagerie, CHU"},
        ],
        "measures": [{"type": "MED-555", "detail": "Contraception non hormonale pendant les traitements."}],
        "supportive_care": [
            {"type": "ORG-175", "detail": "Programme d'activité physique adaptée, 2 séances par semaine.", "contact": "Maison sport-santé"},
            {"type": "ORG-036", "detail": "Consultation diététique si perte de poids.", "contact": "Diététicienne de l'hôpital de jour"},
        ],
        "social": [{"type": "PAT-024", "detail": "Aide ménagère pendant la chimiothérapie (demande faite par l'assistante sociale)."}],
    }


def ovary(start: date) -> dict:
    return {
        "plan_summary": "Trois cures de chimiothérapie par carboplatine et paclitaxel, puis l'opération, puis trois dernières cures.",
        "treatments": [
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie carboplatine-paclitaxel (avant l'opération)", "start": _iso(start),
             "time": "09:00", "sessions": "3", "every_days": "21", "rhythm": "Une cure toutes les 3 semaines",
             "place": "Hôpital de jour, Institut Loire-Océan", "route": IV,
             "side_effects": "Fatigue, chute des cheveux, fourmillements des mains et des pieds.",
             "management": "Prise de sang avant chaque cure. Fièvre au-dessus de 38 °C : appeler l'hôpital de jour."},
            {"type": SURGERY, "title": "Chirurgie de l'ovaire et du péritoine", "start": _after(start, 77), "time": "08:00",
             "place": "Bloc opératoire, CHU de Villeneuve-sur-Loire", "side_effects": "Fatigue, douleurs du ventre quelques semaines.",
             "management": "Hospitalisation d'environ une semaine."},
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie carboplatine-paclitaxel (après l'opération)", "start": _after(start, 112),
             "time": "09:00", "sessions": "3", "every_days": "21", "place": "Hôpital de jour, Institut Loire-Océan", "route": IV},
        ],
        "follow_up": [{"type": BLOOD_TEST, "title": "Dosage du CA 125", "date": _after(start, 60), "place": "Laboratoire de ville",
                       "rhythm": "Avant chaque cure"}],
        "supportive_care": [{"type": "ORG-036", "detail": "Conseils alimentaires avant l'opération.", "contact": "Diététicienne"}],
        "social": [],
    }


def colon(start: date) -> dict:
    return {
        "plan_summary": "L'opération du côlon, puis une chimiothérapie FOLFOX de 6 mois : une cure toutes les 2 semaines, "
                        "avec une perfusion qui continue 2 jours à la maison.",
        "treatments": [
            {"type": SURGERY, "title": "Colectomie (opération du côlon)", "start": _iso(start), "time": "08:00",
             "place": "Clinique du Parc", "side_effects": "Fatigue, transit perturbé quelques semaines.", "management": "Alimentation progressive."},
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie FOLFOX", "start": _after(start, 42), "time": "09:30", "sessions": "12",
             "every_days": "14", "rhythm": "Une cure toutes les 2 semaines pendant 6 mois ; diffuseur portable 46 heures à domicile",
             "place": "Hôpital de jour, CHU de Villeneuve-sur-Loire", "route": IV,
             "side_effects": "Fourmillements des doigts aggravés par le froid, nausées, diarrhée, aphtes.",
             "management": "Éviter les boissons et objets froids 5 jours après la cure. Diarrhée plus de 3 fois par jour : appeler."},
        ],
        "follow_up": [
            {"type": BLOOD_TEST, "title": "Prise de sang (numération, plaquettes)", "date": _after(start, 54),
             "place": "Laboratoire de ville", "rhythm": "La veille de chaque cure"},
            {"type": IMAGING, "title": "Scanner thoraco-abdomino-pelvien", "date": _after(start, 132), "time": "10:00",
             "place": "Service d'imagerie, CHU", "rhythm": "Tous les 3 mois"},
            {"type": CONSULTATION, "title": "Consultation avec votre oncologue", "date": _after(start, 139), "time": "16:00",
             "place": "CHU de Villeneuve-sur-Loire"},
        ],
        "supportive_care": [{"type": "ORG-036", "detail": "Conseils alimentaires pendant la chimiothérapie.", "contact": "Diététicienne"}],
        "social": [{"type": "GEN-092.04.08", "detail": "Arrêt de travail pendant la chimiothérapie ; reprise à temps partiel à discuter."}],
    }


def pancreas(start: date) -> dict:
    return {
        "plan_summary": "Une chimiothérapie FOLFIRINOX toutes les 2 semaines, puis une nouvelle RCP pour discuter de l'opération.",
        "treatments": [
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie FOLFIRINOX", "start": _iso(start), "time": "09:00", "sessions": "8",
             "every_days": "14", "rhythm": "Une cure toutes les 2 semaines ; diffuseur portable 46 heures à domicile",
             "place": "Hôpital de jour, CHU de Villeneuve-sur-Loire", "route": IV,
             "side_effects": "Diarrhée, nausées, fatigue, fourmillements des doigts.",
             "management": "Traitement contre la diarrhée à prendre dès la première selle liquide ; appeler si elle persiste."},
        ],
        "follow_up": [{"type": IMAGING, "title": "Scanner abdominal d'évaluation", "date": _after(start, 110), "time": "09:30",
                       "place": "Service d'imagerie, CHU", "rhythm": "Tous les 2 mois"}],
        "supportive_care": [{"type": "ORG-036", "detail": "Enzymes pancréatiques et conseils alimentaires.", "contact": "Diététicienne"}],
        "social": [],
    }


def lung(start: date) -> dict:
    return {
        "plan_summary": "Quatre cures associant chimiothérapie et immunothérapie, puis un traitement d'entretien toutes les 3 semaines.",
        "treatments": [
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie carboplatine-pémétrexed avec immunothérapie (pembrolizumab)", "start": _iso(start),
             "time": "09:00", "sessions": "4", "every_days": "21", "rhythm": "Une cure toutes les 3 semaines",
             "place": "Hôpital de jour de pneumologie, CHU", "route": IV,
             "side_effects": "Fatigue, nausées, baisse des globules ; l'immunothérapie peut provoquer diarrhée, toux ou éruption.",
             "management": "Vitamines B9 et B12 prescrites. Toute diarrhée, toux nouvelle ou essoufflement : appeler sans attendre."},
            {"type": IMMUNOTHERAPY, "title": "Immunothérapie d'entretien (pembrolizumab)", "start": _after(start, 84), "time": "09:00",
             "sessions": "8", "every_days": "21", "place": "Hôpital de jour de pneumologie, CHU", "route": IV},
        ],
        "follow_up": [{"type": IMAGING, "title": "Scanner thoracique d'évaluation", "date": _after(start, 70),
                       "time": "11:30", "place": "Service d'imagerie, CHU", "rhythm": "Toutes les 9 semaines"}],
        "supportive_care": [{"type": "MED-562", "detail": "Accompagnement à l'arrêt du tabac.", "contact": "Consultation de tabacologie"}],
        "social": [],
    }


def prostate(start: date) -> dict:
    return {
        "plan_summary": "Une hormonothérapie par injection tous les 3 mois, puis une radiothérapie de la prostate de 4 semaines.",
        "treatments": [
            {"type": HORMONE, "title": "Hormonothérapie par injection", "start": _iso(start), "sessions": "4",
             "every_days": "91", "rhythm": "Une injection tous les 3 mois", "place": "Cabinet de votre médecin traitant ou infirmier",
             "route": INJECTION, "side_effects": "Bouffées de chaleur, fatigue.", "management": "Activité physique régulière."},
            {"type": RADIOTHERAPY, "title": "Radiothérapie de la prostate", "start": _after(start, 60), "time": "15:40", "sessions": "20",
             "weekdays_only": "true", "rhythm": "Une séance par jour du lundi au vendredi, pendant 4 semaines",
             "place": "Service de radiothérapie, Institut Loire-Océan", "side_effects": "Envies fréquentes d'uriner, brûlures.",
             "management": "Boire 1,5 litre par jour ; vessie pleine avant chaque séance."},
        ],
        "follow_up": [{"type": BLOOD_TEST, "title": "Dosage du PSA", "date": _after(start, 150), "place": "Laboratoire de ville",
                       "rhythm": "Tous les 6 mois"}],
        "supportive_care": [{"type": "ORG-175", "detail": "Marche 30 minutes par jour.", "contact": ""}],
        "social": [],
    }


def bladder(start: date) -> dict:
    return {
        "plan_summary": "Quatre cures de chimiothérapie, puis l'ablation de la vessie (cystectomie).",
        "treatments": [
            {"type": CHEMOTHERAPY, "title": "Chimiothérapie MVAC intensifiée", "start": _iso(start), "time": "09:00", "sessions": "4",
             "every_days": "14", "rhythm": "Une cure toutes les 2 semaines", "place": "Hôpital de jour, Institut Loire-Océan",
             "route": IV, "side_effects": "Fatigue, nausées, aphtes, baisse des globules.",
             "management": "Fièvre au-dessus de 38 °C : appeler l'hôpital de jour."},
            {"type": SURGERY, "title": "Cystectomie (ablation de la vessie)", "start": _after(start, 90), "time": "08:00",
             "place": "Bloc opératoire, CHU de Villeneuve-sur-Loire", "side_effects": "Hospitalisation de 10 jours, stomie urinaire.",
             "management": "Une infirmière stomathérapeute vous accompagne avant et après l'opération."},
        ],
        "follow_up": [{"type": CONSULTATION, "title": "Consultation d'urologie", "date": _after(start, 120), "time": "10:00",
                       "place": "CHU de Villeneuve-sur-Loire"}],
        "supportive_care": [{"type": "ORG-036", "detail": "Conseils alimentaires avant l'opération.", "contact": "Diététicienne"}],
        "social": [],
    }


def lymphoma(start: date) -> dict:
    return {
        "plan_summary": "Six cures d'immunochimiothérapie R-CHOP, une toutes les 3 semaines.",
        "treatments": [
            {"type": CHEMOTHERAPY, "title": "Immunochimiothérapie R-CHOP", "start": _iso(start), "time": "09:00", "sessions": "6",
             "every_days": "21", "rhythm": "Une cure toutes les 3 semaines", "place": "Hôpital de jour d'hématologie, CHU",
             "route": IV, "side_effects": "Fatigue, chute des cheveux, baisse des globules blancs (risque d'infection).",
             "management": "Fièvre au-dessus de 38 °C : appeler l'hôpital de jour sans attendre."},
        ],
        "follow_up": [{"type": IMAGING, "title": "TEP-scanner d'évaluation", "date": _after(start, 70), "time": "08:30",
                       "place": "Service de médecine nucléaire, CHU", "rhythm": "Après la 4e cure"}],
        "supportive_care": [{"type": "ORG-036", "detail": "Conseils alimentaires pendant les cures.", "contact": "Diététicienne"}],
        "social": [],
    }


def melanoma(start: date) -> dict:
    return {
        "plan_summary": "Après l'exérèse de la cicatrice, une immunothérapie adjuvante toutes les 4 semaines pendant un an.",
        "treatments": [
            {"type": SURGERY, "title": "Reprise d'exérèse cutanée", "start": _iso(start), "time": "08:30",
             "place": "Bloc opératoire, CHU de Villeneuve-sur-Loire"},
            {"type": IMMUNOTHERAPY, "title": "Immunothérapie adjuvante (nivolumab)", "start": _after(start, 35), "time": "10:00",
             "sessions": "12", "every_days": "28", "place": "Hôpital de jour, CHU", "route": IV,
             "side_effects": "Fatigue, démangeaisons, diarrhée.", "management": "Toute diarrhée ou essoufflement : appeler."},
        ],
        "follow_up": [{"type": CONSULTATION, "title": "Examen de la peau", "date": _after(start, 90), "time": "11:00",
                       "place": "CHU de Villeneuve-sur-Loire", "rhythm": "Tous les 3 mois"}],
        "supportive_care": [],
        "social": [],
    }


def surveillance(start: date) -> dict:
    return {
        "plan_summary": "Les traitements sont terminés. Une surveillance régulière est prévue : consultations et examens.",
        "treatments": [{"type": SURVEILLANCE, "title": "Surveillance active", "start": _iso(start), "end": _iso(start + timedelta(days=5 * 365)),
                        "rhythm": "Consultation tous les 6 mois pendant 5 ans"}],
        "follow_up": [
            {"type": CONSULTATION, "title": "Consultation de surveillance", "date": _after(start, 180), "time": "10:15",
             "place": "Institut Loire-Océan", "rhythm": "Tous les 6 mois"},
            {"type": IMAGING, "title": "Scanner de contrôle", "date": _after(start, 170), "time": "09:00",
             "place": "Service d'imagerie, CHU", "rhythm": "Tous les ans"},
        ],
        "supportive_care": [{"type": "ORG-176", "detail": "Conseils d'hygiène de vie pour l'après-cancer.", "contact": "Infirmière de coordination"}],
        "social": [{"type": "PAT-027", "detail": "Reprise du travail à temps partiel thérapeutique."}],
    }
