"""covering index for dashboard aggregation over scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_scores_dashboard", "scores",
                    ["submission_id", "indicator", "value", "n_answered", "n_items"])


def downgrade() -> None:
    op.drop_index("ix_scores_dashboard", table_name="scores")
