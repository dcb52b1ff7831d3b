"""Summary tables of the Indicateurs area: counts without any patient, refreshed from the record by the portal's
periodic job (services/indicators/summary.py). A site of "" holds the figures for every tumour site."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class IndicatorPathwayCell(SQLModel, table=True):
    """New patients diagnosed on one day, of one RCP (of their first registration), with the same three delays and
    the same pathway flags: how many."""

    __tablename__ = "indicator_pathway_cell"
    __table_args__ = (Index("ix_indicator_pathway_cell_site_day", "site", "day", "rcp_id"),)

    id: int | None = Field(default=None, primary_key=True)
    site: str = Field(default="", max_length=8)
    day: date
    month: str = Field(max_length=7)  # YYYY-MM
    rcp_id: int | None = None
    organisation_id: int | None = None
    diagnosis_to_rcp: int | None = None
    rcp_to_treatment: int | None = None
    rcp_to_pps: int | None = None
    treated: int = 0
    rcp_before_treatment: int = 0
    announced: int = 0
    presented: int = 0
    pps: int = 0
    patients: int = 0


class IndicatorSessionCell(SQLModel, table=True):
    """One RCP session held, with its cases' counts (all cases, or those of one tumour site)."""

    __tablename__ = "indicator_session_cell"
    __table_args__ = (Index("ix_indicator_session_cell_site_start", "site", "starts_at", "rcp_id"),)

    id: int | None = Field(default=None, primary_key=True)
    site: str = Field(default="", max_length=8)
    session_id: int
    rcp_id: int
    organisation_id: int
    starts_at: datetime  # UTC
    month: str = Field(max_length=7)
    registered: int = 0
    complete: int = 0
    decided: int = 0
    discussed: int = 0
    quorum: int = 0
    signed: int = 0
    signed_in_time: int = 0
    with_gp: int = 0
    sent_to_gp: int = 0
    gp_refused: int = 0
    sent_to_dmp: int = 0
    dmp_refused: int = 0


class IndicatorLoginCell(SQLModel, table=True):
    """One account's successful logins in one month (UTC), from the audit trail: the « Usage » indicators."""

    __tablename__ = "indicator_login_cell"

    month: str = Field(primary_key=True, max_length=7)  # YYYY-MM
    account_id: int = Field(primary_key=True)
    role: str = Field(max_length=20)
    logins: int = 0


class IndicatorRefresh(SQLModel, table=True):
    """When the summary tables were last brought up to date, and from which day (the window refreshed)."""

    __tablename__ = "indicator_refresh"

    name: str = Field(primary_key=True, max_length=20)
    refreshed_at: datetime
    window_from: date
    rebuilt_at: datetime  # the last rebuild of the whole history
