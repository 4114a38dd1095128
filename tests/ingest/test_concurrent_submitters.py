"""20 people submitting at once on SQLite for 30 s: nothing lost, nothing doubled, nobody sees 'locked'."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from engagement.bundle.importer import import_bundle
from engagement.db import make_engine, read_session, write_session
from engagement.feedback import open_public, submit
from engagement.invitations import enable_public_link
from engagement.migrate import upgrade
from engagement.models import Answer, Submission
from engagement.permissions import Viewer
from tests.bundle_factory import STUDY, write_bundle

SUBMITTERS = 20
SECONDS = 30
ANSWERS = {"pulse_hard": 4.0, "pulse_trust": 7.0, "pulse_stay": 8.0}

pytestmark = pytest.mark.slow


def test_concurrent_form_submitters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    upgrade(engine)
    system = Viewer.system_actor("test")
    with write_session(engine) as session:
        import_bundle(session, system, write_bundle(tmp_path / "b"))
        token = enable_public_link(session, system, STUDY, "https://x").split("?p=", 1)[1]
    errors: list[BaseException] = []
    sent: list[set[str]] = [set() for _ in range(SUBMITTERS)]
    deadline = time.monotonic() + SECONDS

    def person(i: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            nonce = f"p{i}-{n // 2}"  # every form is sent twice: a double click
            n += 1
            try:
                with write_session(engine) as session:
                    ctx = open_public(session, token)
                    submit(session, ctx, ANSWERS, {"pulse_comment": f"note {nonce}"}, may_quote=False,
                           nonce=nonce)
                sent[i].add(nonce)
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=person, args=(i,)) for i in range(SUBMITTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = set().union(*sent)
    with read_session(engine) as session:
        stored = set(session.scalars(select(Submission.external_id).where(Submission.channel == "form")))
        answers = session.scalar(select(func.count()).select_from(Answer).join(Submission)
                                 .where(Submission.channel == "form"))
    assert stored == {f"form:anon:{n}" for n in expected}
    assert answers == 3 * len(expected)
    assert len(expected) > SUBMITTERS  # the test really ran many rounds
