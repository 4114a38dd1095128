"""theme models stored per study; comments keep their theme label

Revision ID: 0006
Revises: 0005

Comments always had a theme column, but every cold dashboard view fitted TF-IDF and NMF on all the
study's comments again (about a fifth of its time at 20,000 participants), and the labels could move
whenever any answer arrived. The writers of comments now label them in the same transaction and keep
the fitted model here (engagement/theme_store.py).

Nothing is fitted here: a migration must not change when the fitting code does. Comments stored before
keep an empty theme until `python -m engagement db upgrade` labels them right after migrating
(engagement/migrate.py seed, theme_store.label_unlabelled); meanwhile the dashboard fits themes on view
for a study with any such comment, as it always did.
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engagement.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme_models",
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("n_comments", sa.Integer(), nullable=False),
        sa.Column("model", engagement.types.JSONText(), nullable=True),
        sa.Column("fitted_at", engagement.types.UTCDateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], name="fk_theme_models_study_id_studies",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("study_id", name="pk_theme_models"),
    )


def downgrade() -> None:
    op.drop_table("theme_models")
