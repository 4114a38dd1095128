"""per-submission indicator summary beside the scores

Revision ID: 0004
Revises: 0003

The dashboard needs one row per submission: the mean subscale score per indicator and the items
answered. Grouping every score row (8 per submission) on each cold view was the largest single cost of
the sponsor dashboard; the scorers now keep this summary in step with the scores they write
(engagement/score_summary.py), and this migration fills it for scores written before.
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen here on purpose (a migration must not change when application code does); it is the same
# grouping as engagement/score_summary.py at the time of writing.
INDICATORS = ("burden", "trust", "engagement", "experience", "other")


def upgrade() -> None:
    op.create_table(
        "submission_indicators",
        sa.Column("submission_id", sa.Integer(), autoincrement=False, nullable=False),
        *[sa.Column(name, sa.Float(), nullable=True) for name in INDICATORS],
        sa.Column("n_answered", sa.Integer(), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_submission_indicators_submission_id_submissions", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", name="pk_submission_indicators"),
    )
    means = ", ".join(f"avg(value) FILTER (WHERE indicator = '{i}')" for i in INDICATORS)
    op.execute(f"INSERT INTO submission_indicators (submission_id, {', '.join(INDICATORS)}, n_answered, n_items) "
               f"SELECT submission_id, {means}, sum(n_answered), sum(n_items) FROM scores GROUP BY submission_id")


def downgrade() -> None:
    op.drop_table("submission_indicators")
