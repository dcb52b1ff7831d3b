"""Symptom follow-up between two cycles: the questionnaire items chosen by the treatment of the PPS, the patient's
weekly check-in saved answer by answer, the alert rules, the nurses' worklist with acknowledgement and escalation,
and the symptom history the team reads.

May import: common, access, record, pps."""
