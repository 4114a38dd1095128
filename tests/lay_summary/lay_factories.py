"""Small builders for lay-summary tests: a study with sites, stages and participants."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from engagement.models import LifecycleStage, Participant, Site, Study
from engagement.permissions import Grant, Viewer

STUDY_ID = "LAY-01"


def make_study(session: Session, study_id: str = STUDY_ID, *, participants: int = 12) -> Study:
    study = Study(id=study_id, title="A new tablet for bowel cancer", sponsor="Lumenvale Ltd",
                  registry_id="EU CT 2024-512345-12-00; NCT06543210",
                  sponsor_contact="results@lumenvale.example")
    session.add(study)
    session.flush()
    sites = [Site(study_id=study_id, code=c, name=f"Site {c}", country=k)
             for c, k in (("S1", "GB"), ("S2", "FR"), ("S3", "fr"))]
    session.add_all(sites)
    session.add_all([
        LifecycleStage(study_id=study_id, name="recruitment", order=1, planned_start=dt.date(2024, 7, 1),
                       actual_start=dt.date(2024, 11, 4), actual_end=dt.date(2025, 9, 26)),
        LifecycleStage(study_id=study_id, name="follow_up", order=2, planned_start=dt.date(2025, 10, 1),
                       planned_end=dt.date(2026, 6, 30)),
    ])
    session.flush()
    for i in range(participants):
        session.add(Participant(study_id=study_id, code=f"P{i:03d}", site_id=sites[i % 3].id, role="patient",
                                enrolled_on=dt.date(2025, 1, 1), status_date=dt.date(2025, 1, 1),
                                sex="female" if i < 9 else "male", age_band="65+" if i % 2 else "18-64"))
    session.add(Participant(study_id=study_id, code="ADV1", site_id=sites[0].id, role="advocate",
                            enrolled_on=dt.date(2025, 1, 1), status_date=dt.date(2025, 1, 1)))
    session.flush()
    return study


def manager(study_id: str = STUDY_ID) -> Viewer:
    return Viewer("manager", (Grant(study_id, "trial_manager"),))


def admin(study_id: str = STUDY_ID) -> Viewer:
    return Viewer("admin", (Grant(study_id, "admin"),))


def sponsor(study_id: str = STUDY_ID) -> Viewer:
    return Viewer("sponsor", (Grant(study_id, "sponsor"),))
