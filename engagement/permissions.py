"""Who may do what: roles grant actions, memberships scope them to a study and optionally a site.

Services call `viewer.require(action, study_id, site_id)` on every call; hiding a page is not a permission.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from engagement.errors import fail


class Action(enum.StrEnum):
    view_aggregates = "view_aggregates"        # suppressed indicators, study overview
    view_participants = "view_participants"    # participant-level rows (site-scoped)
    view_raw_text = "view_raw_text"            # unscrubbed comments of the viewer's own sites
    import_data = "import_data"
    manage_invitations = "manage_invitations"
    manage_study = "manage_study"              # studies, sites, schedules, instruments, users
    edit_lay_summary = "edit_lay_summary"
    approve_lay_summary = "approve_lay_summary"
    log_outreach = "log_outreach"
    view_audit = "view_audit"
    view_instrument_quality = "view_instrument_quality"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "advocate": frozenset({Action.view_aggregates}),
    "sponsor": frozenset({Action.view_aggregates}),
    "trial_manager": frozenset({
        Action.view_aggregates, Action.view_participants, Action.view_raw_text, Action.import_data,
        Action.manage_invitations, Action.edit_lay_summary, Action.log_outreach,
    }),
    "admin": frozenset(Action),
}

# Roles whose views are aggregate-only, suppressed like a sponsor's.
AGGREGATE_ONLY_ROLES = frozenset({"advocate", "sponsor"})


@dataclass(frozen=True)
class Grant:
    study_id: str
    role: str
    site_id: int | None = None  # None: study-wide


@dataclass(frozen=True)
class Viewer:
    username: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    system: bool = False  # the command line, run by whoever operates the database

    @classmethod
    def system_actor(cls, name: str = "cli") -> Viewer:
        return cls(username=name, system=True)

    def roles(self, study_id: str | None = None) -> set[str]:
        if self.system:
            return {"admin"}
        return {g.role for g in self.grants if study_id is None or g.study_id == study_id}

    def studies(self) -> list[str]:
        return sorted({g.study_id for g in self.grants})

    def can(self, action: Action, study_id: str, site_id: int | None = None) -> bool:
        if self.system:
            return True
        for g in self.grants:
            if g.study_id != study_id or action not in ROLE_ACTIONS.get(g.role, frozenset()):
                continue
            if g.site_id is None or g.site_id == site_id:
                return True
        return False

    def can_any_site(self, action: Action, study_id: str) -> bool:
        """True when the viewer holds the action in the study, study-wide or at one site at least."""
        scope = self.site_scope(action, study_id)
        return scope is None or bool(scope)

    def require(self, action: Action, study_id: str, site_id: int | None = None) -> None:
        if not self.can(action, study_id, site_id):
            where = f"study {study_id}" + (f", site {site_id}" if site_id is not None else "")
            raise fail("E001", f"{self.username} may not {action.value} in {where}", item=study_id)

    def site_scope(self, action: Action, study_id: str) -> set[int] | None:
        """None when the viewer may act study-wide; otherwise the set of site ids (possibly empty)."""
        if self.system:
            return None
        sites: set[int] = set()
        for g in self.grants:
            if g.study_id == study_id and action in ROLE_ACTIONS.get(g.role, frozenset()):
                if g.site_id is None:
                    return None
                sites.add(g.site_id)
        return sites

    def require_any_site(self, action: Action, study_id: str) -> set[int] | None:
        """Like require, for list views: allowed when the viewer holds the action at any site."""
        scope = self.site_scope(action, study_id)
        if scope is not None and not scope:
            raise fail("E001", f"{self.username} may not {action.value} in study {study_id}",
                       item=study_id)
        return scope

    def aggregate_only(self, study_id: str) -> bool:
        """True when every role this viewer holds in the study sees suppressed aggregates only."""
        roles = self.roles(study_id)
        return bool(roles) and roles <= AGGREGATE_ONLY_ROLES
