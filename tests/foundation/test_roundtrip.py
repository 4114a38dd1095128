"""import(export(x)) == x: any canonical bundle survives a round trip byte-for-byte, apart from row order."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from engagement.bundle.exporter import fmt_datetime, render
from engagement.bundle.importer import import_bundle
from engagement.bundle.spec import BY_NAME
from engagement.permissions import Viewer
from tests.bundle_factory import write_bundle

STUDY = "RT-1"
ITEMS = ("pulse_hard", "pulse_trust", "pulse_stay")
text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.sampled_from(
    ["\n", ",", '"', "é", "Ž", "≥"]), min_size=1, max_size=40).filter(lambda s: s.strip() == s and s)
days = st.dates(dt.date(2020, 1, 1), dt.date(2026, 1, 1))


@st.composite
def bundles(draw):  # type: ignore[no-untyped-def]
    sites = draw(st.lists(st.from_regex(r"[A-Z]{2,5}", fullmatch=True), min_size=1, max_size=3, unique=True))
    n = draw(st.integers(1, 6))
    participants = []
    for i in range(n):
        enrolled = draw(days)
        status = draw(st.sampled_from(["active", "withdrawn", "lost_to_follow_up", "completed"]))
        participants.append({"study_id": STUDY, "participant_id": f"P{i:03d}", "site_id": draw(st.sampled_from(sites)),
                             "role": draw(st.sampled_from(["patient", "caregiver", "advocate"])),
                             "enrolled_on": enrolled.isoformat(), "status": status,
                             "status_date": (enrolled + dt.timedelta(days=draw(st.integers(0, 300)))).isoformat()})
    responses, comments = [], []
    for s in range(draw(st.integers(0, 6))):
        at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=draw(st.integers(0, 10**7)), microseconds=draw(st.sampled_from([0, 0, 250_000])))
        who = draw(st.sampled_from([p["participant_id"] for p in participants] + [""]))
        tp = draw(st.sampled_from(["TP1", "TP2", ""]))
        for item in draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True)):
            value = draw(st.sampled_from([*(str(v) for v in range(11)), ""]))
            responses.append({"submission_id": f"S{s}", "study_id": STUDY, "participant_id": who,
                              "timepoint_id": tp, "instrument_id": "pulse-check", "instrument_version": "1.0.0",
                              "submitted_at": fmt_datetime(at), "item_id": item, "value": value})
        if draw(st.booleans()):
            comments.append({"submission_id": f"S{s}", "item_id": "pulse_comment", "text": draw(text),
                             "may_quote": draw(st.sampled_from(["true", "false"]))})
    return {
        "studies.csv": [{"study_id": STUDY, "title": draw(text), "sponsor": draw(text), "registry_id": "",
                         "current_stage": "recruitment"}],
        "stages.csv": [{"study_id": STUDY, "stage": "recruitment", "order": "1", "planned_start": "2024-01-01",
                        "planned_end": "", "actual_start": "", "actual_end": ""}],
        "sites.csv": [{"study_id": STUDY, "site_id": s, "name": draw(text), "country": "DE"} for s in sites],
        "participants.csv": participants,
        "schedule.csv": [{"study_id": STUDY, "timepoint_id": t, "stage": "recruitment",
                          "instrument_id": "pulse-check", "due_day": str(d), "window_days": "7"}
                         for t, d in (("TP1", 7), ("TP2", 28))],
        "responses.csv": responses,
        "comments.csv": comments,
    }


def _sorted_lines(data: bytes) -> tuple[str, list[str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return ",".join(rows[0]), sorted("\x1f".join(r) for r in rows[1:])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(rows=bundles())
def test_export_of_import_is_the_same_bundle(engine, tmp_path_factory, rows):
    folder = write_bundle(tmp_path_factory.mktemp("rt"), rows)
    system = Viewer.system_actor("test")
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            import_bundle(session, system, folder)
            exported = render(session, system, [STUDY])
        finally:
            session.close()
            outer.rollback()
    for name in BY_NAME:
        assert _sorted_lines(exported[name]) == _sorted_lines((folder / name).read_bytes()), name
