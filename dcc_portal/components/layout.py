"""Page shell: role guard on load, responsive navigation (drawer on phones, sidebar from tablets up), title."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from dcc_portal import texts
from dcc_portal.components.navigation import logout_button
from dcc_portal.services.symptoms import alerts
from dcc_portal.state.session import SessionState, guarded_page_load

# Phones (< 48em) get the drawer, tablets and wider the sidebar.
PHONE_ONLY = ["flex", "flex", "none", "none", "none"]
TABLET_UP = ["none", "none", "flex", "flex", "flex"]


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    icon: str
    roles: frozenset[str] = frozenset()  # within the area, only these roles see the link (empty: every role)
    shown_if: str = ""  # a boolean of SessionState the link also needs (set from the service's own rule)


NAV = {
    "gp": [
        NavItem(texts.GP["home"], "/gp", "users"),
        NavItem(texts.NOTIFICATIONS["title"], "/notifications", "bell"),
        NavItem(texts.TEAM["find_record"], "/gp/search", "search"),
    ],
    "team": [
        NavItem(texts.TEAM["home"], "/team", "clipboard-list"),
        NavItem(texts.RCP["sessions"], "/team/rcp", "calendar-days"),
        NavItem(texts.SHARING["nav"], "/team/sharing", "send"),
        NavItem(texts.TEAM["find_record"], "/team/search", "search"),
        NavItem(texts.SYMPTOMS["nav_team"], "/team/symptoms", "activity", roles=frozenset(alerts.TEAM_ROLES)),
        NavItem(texts.INDICATORS["nav"], "/indicators", "chart-column", shown_if="sees_indicators"),
    ],
    "patient": [
        NavItem(texts.PATIENT["home"], "/patient", "heart-handshake"),
        NavItem(texts.PATIENT_PPS["nav"], "/patient/pps", "notebook-text"),
        NavItem(texts.PATIENT_PPS["nav_calendar"], "/patient/calendar", "calendar-days"),
        NavItem(texts.PATIENT_PPS["nav_contacts"], "/patient/contacts", "phone"),
        NavItem(texts.SYMPTOMS["nav_patient"], "/patient/symptoms", "activity"),
        NavItem(texts.PATIENT["documents"], "/patient/documents", "files"),
        NavItem(texts.PATIENT["profile"], "/patient/profile", "id-card"),
        NavItem(texts.PATIENT["access_log"], "/patient/access-log", "eye"),
        NavItem(texts.PATIENT["oppositions"], "/patient/oppositions", "user-x"),
    ],
    "admin": [
        NavItem(texts.ADMIN["accounts"], "/admin", "user-cog"),
        NavItem(texts.ADMIN["organisations"], "/admin/organisations", "building-2"),
        NavItem(texts.ADMIN["care_teams"], "/admin/care-teams", "users-round"),
        NavItem(texts.RCP["directory"], "/team/rcp/directory", "book-open"),
        NavItem(texts.ADMIN["audit"], "/admin/audit", "scroll-text"),
        NavItem(texts.SHARING["nav"], "/admin/sharing", "send"),
        NavItem(texts.MSSANTE["directory"], "/admin/mssante", "mail-check"),
        NavItem(texts.VIGILANCE["nav"], "/admin/identity-vigilance", "user-search"),
        NavItem(texts.INDICATORS["nav"], "/indicators", "chart-column", shown_if="sees_indicators"),
    ],
    "any": [],
    "charter": [],
}
ACCOUNT_ITEM = NavItem(texts.COMMON["account"], "/account", "shield-check")


# Pages shared by every role ("any": account, documents, notifications...) show the navigation of the user's own area.
AREA_OF_ROLE = {"gp": "gp", "clinician": "team", "nurse": "team", "rcp_secretary": "team", "patient": "patient", "admin": "admin"}


def _nav_links(area: str, *, in_drawer: bool = False) -> rx.Component:
    if area == "any":
        return rx.match(
            SessionState.user_role,
            *[(role, _area_links(own, in_drawer=in_drawer)) for role, own in AREA_OF_ROLE.items()],
            _area_links("any", in_drawer=in_drawer),
        )
    return _area_links(area, in_drawer=in_drawer)


def _offered(item: NavItem, link: rx.Component) -> rx.Component:
    """A link the page guard would refuse is not offered: a refused visit is audited as an attempt."""
    if item.shown_if:
        link = rx.cond(getattr(SessionState, item.shown_if), link)
    if not item.roles:
        return link
    return rx.cond(functools.reduce(operator.or_, [SessionState.user_role == str(role) for role in sorted(item.roles)]), link)


def _area_links(area: str, *, in_drawer: bool) -> rx.Component:
    items = [*NAV[area], ACCOUNT_ITEM] if area != "charter" else []
    # In the drawer the closing sits inside the link: it runs before the link's navigation marks the click as
    # handled, so the drawer also closes when the link leads to the page already shown (a list's search cleared).
    wrap = (lambda content: rx.drawer.close(rx.box(content, width="100%"))) if in_drawer else (lambda content: content)
    return rx.vstack(
        *[
            _offered(item, rx.link(
                wrap(rx.hstack(rx.icon(item.icon, size=18), rx.text(item.label), align="center", spacing="2")),
                href=item.href,
                underline="none",
                padding="0.6rem 0.75rem",
                border_radius="8px",
                width="100%",
                min_height="44px",
                display="flex",
                align_items="center",
                _hover={"background": rx.color("accent", 3)},
            ))
            for item in items
        ],
        spacing="1",
        width="100%",
    )


def _drawer(area: str) -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(rx.icon("menu"), variant="ghost", size="3", aria_label=texts.COMMON["menu"]),
        ),
        rx.drawer.overlay(z_index="40"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        rx.heading(texts.APP_NAME, size="5", as_="span"),
                        rx.spacer(),
                        rx.drawer.close(
                            rx.icon_button(rx.icon("x"), variant="ghost", aria_label=texts.COMMON["close_menu"])
                        ),
                        width="100%",
                    ),
                    rx.text(SessionState.user_name, size="2", color_scheme="gray"),
                    _nav_links(area, in_drawer=True),
                    logout_button(texts.COMMON["logout"], width="100%", size="3"),
                    spacing="4",
                    padding="1rem",
                    width="100%",
                ),
                width="80%",
                max_width="320px",
                height="100%",
                background=rx.color("gray", 1),
                z_index="50",
            )
        ),
        direction="left",
    )


def _bell() -> rx.Component:
    return rx.link(
        rx.box(
            rx.icon("bell", size=22),
            rx.cond(
                SessionState.unread > 0,
                rx.badge(SessionState.unread, color_scheme="red", variant="solid", high_contrast=True, radius="full", size="1",
                         position="absolute", top="-6px", right="-10px", data_testid="unread-badge"),
            ),
            position="relative",
            padding="11px",
        ),
        href="/notifications",
        aria_label=texts.NOTIFICATIONS["bell"],
        color="inherit",
        data_testid="bell",
    )


def _header(area: str, title: str) -> rx.Component:
    return rx.hstack(
        rx.box(_drawer(area), display=PHONE_ONLY),
        rx.link(
            rx.hstack(rx.icon("ribbon", size=22, color=rx.color("accent", 9)), rx.heading(texts.APP_NAME, size="5", as_="span"), align="center", spacing="2"),
            href=SessionState.home,
            underline="none",
            color="inherit",
            min_height="44px",
            display="flex",
            align_items="center",
        ),
        rx.text(texts.APP_FULL_NAME, size="2", color_scheme="gray", display=TABLET_UP),
        rx.spacer(),
        _bell(),
        rx.text(SessionState.user_name, size="2", display=TABLET_UP, data_testid="user-name"),
        rx.box(logout_button(texts.COMMON["logout"], size="2", data_testid="logout"), display=TABLET_UP),
        align="center",
        spacing="3",
        padding_x="1rem",
        height="56px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


def shell(area: str, title: str, content: rx.Component) -> rx.Component:
    return rx.box(
        _header(area, title),
        rx.hstack(
            rx.box(
                rx.el.nav(_nav_links(area), aria_label=texts.COMMON["navigation"]),
                display=TABLET_UP,
                width="220px",
                min_width="220px",
                padding="1rem 0.5rem",
                border_right=f"1px solid {rx.color('gray', 5)}",
                min_height="calc(100vh - 56px)",
            ),
            rx.el.main(
                rx.heading(title, size="6", margin_bottom="1rem", as_="h1"),
                content,
                style={"padding": "clamp(1rem, 2vw, 1.5rem)", "width": "100%", "maxWidth": "1100px", "minWidth": "0"},
                aria_busy=rx.cond(rx.State.is_hydrated, "false", "true"),
            ),
            spacing="0",
            align="start",
            width="100%",
        ),
        width="100%",
        min_height="100vh",
    )


def area_page(*, route: str, title: str, area: str, on_load: list | None = None) -> Callable:
    """Register a page of an area: on load, the guard then the page's own loaders, in one event."""

    def decorator(build: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return shell(area, title, build())

        page.__name__ = build.__name__
        return rx.page(route=route, title=f"{title} · {texts.APP_NAME}", on_load=guarded_page_load(route, area, on_load))(page)

    return decorator


def public_page(*, route: str, title: str, on_load: list | None = None) -> Callable:
    """Pages reachable without a session (login): centred card, no navigation."""

    def decorator(build: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return rx.center(
                rx.card(build(), width="100%", max_width="440px", size="3",
                        aria_busy=rx.cond(rx.State.is_hydrated, "false", "true")),
                padding="1rem",
                min_height="100vh",
                background=rx.color("accent", 2),
            )

        page.__name__ = build.__name__
        return rx.page(route=route, title=f"{title} · {texts.APP_NAME}", on_load=on_load or [])(page)

    return decorator
