"""sentiment stored for comments written before it was stored with them

Revision ID: 0005
Revises: 0004

Comments now carry their VADER compound score from the moment they are written
(engagement.themes.stored_sentiment), so no view has to run VADER (about 50 microseconds a text) on a
cold start. This fills the score in for comments stored before; blank texts keep NULL, as new ones do.
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, text_scrubbed FROM comments WHERE sentiment IS NULL")).all()
    analyser = SentimentIntensityAnalyzer()
    scored = [{"i": i, "s": float(analyser.polarity_scores(t)["compound"])}
              for i, t in rows if t and t.strip()]
    for start in range(0, len(scored), BATCH):
        conn.execute(sa.text("UPDATE comments SET sentiment = :s WHERE id = :i"), scored[start:start + BATCH])


def downgrade() -> None:
    """Nothing to undo: readers use a stored sentiment and score only comments without one."""
