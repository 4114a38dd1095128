"""The dashboard's risk tile shows the share at elevated risk once risk can be scored (rules or a model)."""

from __future__ import annotations

from engagement.accounts import viewer_for
from engagement.db import make_engine, read_session
from engagement.indicators_dashboard import dashboard_view
from engagement.models import User
from engagement.risk import elevated_share


def test_risk_tile_matches_the_risk_service(pages_db):
    engine = make_engine(pages_db)
    with read_session(engine) as session:
        sponsor = viewer_for(session, session.query(User).filter_by(username="sponsor").one())
        expected = elevated_share(session, sponsor, "DEMO-ONC-01")
        tile = next(t for t in dashboard_view(session, sponsor, "DEMO-ONC-01").tiles if t.key == "risk")
    engine.dispose()
    assert expected is not None
    n, share = expected
    assert tile.number == share
    assert tile.value == f"{share:.0%}"
    assert tile.detail == f"of {n} people scored"
