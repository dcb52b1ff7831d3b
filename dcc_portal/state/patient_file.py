"""The hospital patient file (/team/patient) shows six sections, each with its own state. They are substates of one
parent so that the page's guard reads them from the state store together: with Redis, one read for the six instead
of one per section (`GuardedPage.shared_parents`). Two of them serve elsewhere too (the symptoms on the GP's patient
screen, the DMP opposition on the patient's profile): a state fetched alone brings its parent, not its siblings."""

from __future__ import annotations

import reflex as rx


class PatientFileState(rx.State):
    """The parent of the patient file's section states; it holds nothing itself."""
