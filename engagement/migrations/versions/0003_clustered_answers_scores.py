"""answers and scores keyed by (submission, item) / (submission, subscale), clustered on SQLite

Revision ID: 0003
Revises: 0002

Both tables are only ever read by submission, and their natural key was already unique. Making it the
primary key (and, on SQLite, the table itself: WITHOUT ROWID) drops the surrogate id and one B-tree per
table: a bulk import writes each answer and score once instead of twice, and a scan by submission reads
the rows in key order. The dashboard's covering index on scores is then redundant and goes too.
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# table -> (the second key column, the other columns after it: name, type, nullable)
TABLES = {
    "answers": ("item_id", [("value_num", sa.Float(), True), ("value_text", sa.Text(), True)]),
    "scores": ("subscale_id", [("indicator", sa.String(length=20), False), ("value", sa.Float(), True),
                               ("n_answered", sa.Integer(), False), ("n_items", sa.Integer(), False),
                               ("missing_reason", sa.String(length=200), True)]),
}


def _columns(table: str, clustered: bool) -> list[sa.SchemaItem]:
    key, rest = TABLES[table]
    fk = sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                 name=f"fk_{table}_submission_id_submissions", ondelete="CASCADE")
    head = [sa.Column("submission_id", sa.Integer(), nullable=False),
            sa.Column(key, sa.String(length=100), nullable=False), *[sa.Column(n, t, nullable=null) for n, t, null in rest], fk]
    if clustered:
        return [*head, sa.PrimaryKeyConstraint("submission_id", key, name=f"pk_{table}")]
    return [sa.Column("id", sa.Integer(), autoincrement=True, nullable=False), *head,
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("submission_id", key, name=f"uq_{table}_submission_id_{key}")]


def _rebuild_sqlite(table: str, clustered: bool) -> None:
    """SQLite cannot change a primary key in place: copy into a new table and swap the names."""
    key, rest = TABLES[table]
    names = ", ".join(["submission_id", key, *[name for name, _, _ in rest]])
    op.create_table(f"{table}_new", *_columns(table, clustered), sqlite_with_rowid=not clustered)
    op.execute(f"INSERT INTO {table}_new ({names}) SELECT {names} FROM {table} ORDER BY submission_id, {key}")
    op.drop_table(table)
    op.rename_table(f"{table}_new", table)


def upgrade() -> None:
    op.drop_index("ix_scores_dashboard", table_name="scores")
    for table, (key, _) in TABLES.items():
        if op.get_bind().dialect.name == "sqlite":
            _rebuild_sqlite(table, clustered=True)
            continue
        op.drop_constraint(f"uq_{table}_submission_id_{key}", table, type_="unique")
        op.drop_column(table, "id")  # drops pk_<table> with it
        op.create_primary_key(f"pk_{table}", table, ["submission_id", key])


def downgrade() -> None:
    for table, (key, _) in TABLES.items():
        if op.get_bind().dialect.name == "sqlite":
            _rebuild_sqlite(table, clustered=False)
            continue
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.add_column(table, sa.Column("id", sa.Integer(), sa.Identity(), nullable=False))
        op.create_primary_key(f"pk_{table}", table, ["id"])
        op.create_unique_constraint(f"uq_{table}_submission_id_{key}", table, ["submission_id", key])
    op.create_index("ix_scores_dashboard", "scores",
                    ["submission_id", "indicator", "value", "n_answered", "n_items"])
