"""Training, scoring, the monitor and outreach through the database, with permissions and audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engagement.errors import EngagementError
from engagement.models import AuditEvent, OutreachAction, RiskModel, Site
from engagement.permissions import Grant, Viewer
from engagement.risk.flags import score, share_elevated, write_flags_csv
from engagement.risk.frames import to_date
from engagement.risk.model import train
from engagement.risk.monitor import log_outreach, monitor, participant_detail, risk_by_site_stage

from .conftest import T_TINY, store_frames, tiny_frames
from .test_rules_and_reasons import P1_REASONS

AS_OF = to_date(T_TINY)  # 1972-12-07
FALLBACK = (
    "only 2 disengagement events in the training window (fewer than 30): using the explainable "
    "rules instead of a fitted model"
)


@pytest.fixture
def study(session):
    store_frames(session, tiny_frames(), "TINY")
    return "TINY"


def _site(session, code):
    return session.scalar(select(Site.id).where(Site.study_id == "TINY", Site.code == code))


@pytest.fixture
def manager(session, study):
    return Viewer("manager", (Grant(study, "trial_manager", _site(session, "S1")),))


@pytest.fixture
def sponsor(study):
    return Viewer("sponsor", (Grant(study, "sponsor"),))


def test_train_falls_back_to_rules_and_says_so(session, system, study):
    row = train(session, system, study, AS_OF)
    assert (row.kind, row.blob, row.as_of) == ("rules", None, AS_OF)
    assert row.card["fallback"] == FALLBACK
    # Snapshots on days 1014 and 1028 (their horizons end by 1071): P4 leaves on 1040, P5 on 1070.
    assert row.card["n_events"] == 2
    assert row.card["data_window"] == {"first_snapshot": "1972-10-11", "last_snapshot": "1972-10-25"}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "risk.train")).one()
    assert (event.entity, event.entity_id, event.reason) == ("risk_model", str(row.id), FALLBACK)


def test_score_trains_when_missing_and_explains(session, system, study, tmp_path):
    flags = score(session, system, study, AS_OF)
    assert flags.attrs["method"] == "rules"
    assert flags.attrs["fallback"] == FALLBACK
    assert session.scalar(select(RiskModel.kind).where(RiskModel.study_id == study)) == "rules"
    assert list(flags["participant_id"]) == ["P1", "P5", "P2", "P3", "P6"]
    assert flags.loc[0, "reasons"] == P1_REASONS
    path = write_flags_csv(flags, tmp_path / "flags.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "participant_id,site_id,risk,band,reasons"
    assert lines[1] == f"P1,S1,0.6306,high,{P1_REASONS}"  # no commas in reasons: no quoting
    assert (
        lines[2] == "P5,S1,0.321,elevated,missed the last due survey (most people returned it): raises risk"
    )
    assert len(lines) == 6


def test_trial_manager_sees_own_site_only(session, manager, study):
    # S1 holds P1, P2 and P5; P1 and P5 are flagged. Not aggregate-only, so no suppression.
    assert share_elevated(session, manager, study, AS_OF) == round(2 / 3, 4)
    table = risk_by_site_stage(session, manager, study, AS_OF)
    assert set(table["site"]) == {"S1", "(all)"}
    flags = score(session, manager, study, AS_OF)
    assert list(flags["participant_id"]) == ["P1", "P5", "P2"]
    view = monitor(session, manager, study, AS_OF)
    assert list(view.rows["participant_id"]) == ["P1", "P5"]
    assert list(view.rows["missed"]) == [["T2"], ["T1", "T2"]]
    assert [len(h) for h in view.rows["history"]] == [8, 8]
    with pytest.raises(EngagementError) as exc:
        participant_detail(session, manager, study, "P3", AS_OF)  # site S2
    assert exc.value.code == "E001"


def test_outreach_is_logged_audited_and_filters_the_monitor(session, manager, study):
    entry = log_outreach(
        session, manager, study, "P1", action="called", outcome="reached", note=" will come next week "
    )
    assert (entry.action, entry.outcome, entry.note, entry.actor) == (
        "called",
        "reached",
        "will come next week",
        "manager",
    )
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "outreach.log")).one()
    assert (event.actor, event.entity, event.entity_id) == ("manager", "participant", "P1")
    assert event.new_value["action"] == "called"
    assert event.new_value["outreach_id"] == entry.id
    assert list(monitor(session, manager, study, AS_OF, not_contacted_only=True).rows["participant_id"]) == [
        "P5"
    ]
    detail = participant_detail(session, manager, study, "P1", AS_OF)
    assert [(o["action"], o["outcome"], o["by"]) for o in detail["outreach"]] == [
        ("called", "reached", "manager")
    ]
    assert detail["risk"] == 0.6306
    assert detail["missed"] == ["T2"]
    assert len(detail["reasons"]) == 3


def test_outreach_refuses_unknown_values_and_people(session, manager, study):
    for args, code in (
        (("P1", "emailed", "reached"), "R604"),
        (("P1", "called", "happy"), "R604"),
        (("NOPE", "called", "reached"), "R603"),
        (("P3", "called", "reached"), "E001"),
    ):
        with pytest.raises(EngagementError) as exc:
            log_outreach(session, manager, study, args[0], action=args[1], outcome=args[2])
        assert exc.value.code == code
    assert session.scalars(select(OutreachAction)).all() == []


def test_sponsor_sees_aggregates_only(session, system, sponsor, study):
    for call in (
        lambda: score(session, sponsor, study, AS_OF),
        lambda: monitor(session, sponsor, study, AS_OF),
        lambda: participant_detail(session, sponsor, study, "P1", AS_OF),
        lambda: log_outreach(session, sponsor, study, "P1", action="called", outcome="reached"),
    ):
        with pytest.raises(EngagementError) as exc:
            call()
        assert exc.value.code == "E001"
    table = risk_by_site_stage(session, sponsor, study, AS_OF)
    assert "participant_id" not in table.columns
    sites = table[(table["site"] != "(all)") & (table["stage"] == "(all)")]
    assert sorted(sites["site"]) == ["S1", "S2"]
    assert sites["share_elevated"].isna().all()  # 3 and 2 people: both cells under 5
    total = table[(table["site"] == "(all)") & (table["stage"] == "(all)")].iloc[0]
    assert (int(total["n"]), total["share_elevated"]) == (5, 0.4)
    # The KPI tile: 2 of 5 flagged; a sponsor may not see a count of 2.
    assert share_elevated(session, system, study, AS_OF) == 0.4
    assert share_elevated(session, sponsor, study, AS_OF) is None


def test_cross_study_model_scores_a_study_with_too_few_events(session, system, sim_frames):
    from engagement.risk.model import train_across

    from .conftest import store_frames

    offset = 19_500  # the tiny study in 2026, beside the simulated one
    store_frames(session, sim_frames, "RISK-T")
    store_frames(session, tiny_frames(offset), "TINY26")
    as_of = to_date(T_TINY + offset)
    own = train(session, system, "TINY26", as_of)
    assert own.kind == "rules"
    pooled = train_across(session, system, ["TINY26", "RISK-T"], as_of)
    assert pooled.study_id is None
    assert pooled.kind in {"logistic", "hist_gradient_boosting"}
    assert pooled.card["studies"] == ["RISK-T", "TINY26"]
    assert pooled.card["fallback"] is None
    flags = score(session, system, "TINY26", as_of)
    assert flags.attrs["model_id"] == pooled.id
    # The two who missed their last survey stay on top, whichever model scores them.
    assert set(flags["participant_id"][:2]) == {"P1", "P5"}
