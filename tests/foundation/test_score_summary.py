"""The per-submission summary is rewritten exactly for the submissions asked, by range or by list."""

from __future__ import annotations

from sqlalchemy import text

from engagement import score_summary
from tests.indicators.ind_factory import make_study, person, submit
from tests.summary_check import assert_summary_in_step, stored_summary


def test_runs_split_consecutive_ids_from_loose_ones() -> None:
    ids = [*range(10, 10 + score_summary.RUN), 200, 202, *range(300, 300 + score_summary.RUN + 1)]
    assert score_summary._runs(ids) == ([(10, 9 + score_summary.RUN), (300, 300 + score_summary.RUN)],
                                        [200, 202])
    assert score_summary._runs([5, 6, 7]) == ([], [5, 6, 7])
    assert score_summary._runs([]) == ([], [])


def test_refresh_by_range_and_by_list_follows_changed_scores(session) -> None:  # type: ignore[no-untyped-def]
    b = make_study(session)
    person(session, b, "p1", "A", "patient")
    n = score_summary.RUN + 6
    subs = [submit(session, b, "p1", "T1", {"burden": 10.0 + k, ("honesty", "trust"): 50.0}) for k in range(n)]
    before = assert_summary_in_step(session)
    assert len(before) == n
    # Change the stored scores behind the summary's back: a consecutive run, two loose ids, and one
    # submission that loses every score.
    ran, loose, emptied = subs[:score_summary.RUN], [subs[-3], subs[-1]], subs[-2]
    session.execute(text("UPDATE scores SET value = value + 1 WHERE indicator = 'burden'"))
    session.execute(text("DELETE FROM scores WHERE submission_id = :s"), {"s": emptied})
    assert stored_summary(session) == before  # nothing follows on its own
    score_summary.refresh(session, [*ran, *loose, emptied])
    after = {r[0]: r for r in stored_summary(session)}
    assert emptied not in after
    burden = 1 + score_summary.COLUMNS.index("burden")
    assert [after[s][burden] for s in [*ran, *loose]] == [11.0 + k for k in range(score_summary.RUN)] + [
        11.0 + n - 3, 11.0 + n - 1]
    # the ids not asked for keep their old rows
    untouched = [s for s in subs if s not in {*ran, *loose, emptied}]
    assert untouched
    old = {r[0]: r for r in before}
    assert [after[s] for s in untouched] == [old[s] for s in untouched]
