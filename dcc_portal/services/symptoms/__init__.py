"""Symptom follow-up between two cycles: the questionnaire items chosen by the treatment of the PPS, the patient's
weekly check-in saved answer by answer (and its weekly invitation by e-mail), the alert rules, the nurses' worklist
with acknowledgement and escalation, and the symptom history the team reads (the médecin traitant too while the
patient agrees).

May import: common, access, record, pps."""
