"""The web app (issue 6): accounts, browser sessions and coach shares; images and clips drawn
for a run; a file is unique per runner (two athletes may upload the same file).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _cascade(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_constraint("uq_files_content_hash", type_="unique")
        batch.create_unique_constraint("uq_files_runner_id_content_hash",
                                       ["runner_id", "content_hash"])
    op.create_table(
        "run_media",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_media_run_id_runs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "name", name=op.f("pk_run_media")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("runner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["runner_id"], ["runners.id"],
                                name=op.f("fk_users_runner_id_runners"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
        sa.UniqueConstraint("runner_id", name=op.f("uq_users_runner_id")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.create_table(
        "shares",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["users.id"],
                                name=op.f("fk_shares_athlete_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["users.id"],
                                name=op.f("fk_shares_coach_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("athlete_id", "coach_id", name=op.f("pk_shares")),
    )
    op.create_index(op.f("ix_shares_coach_id"), "shares", ["coach_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shares_coach_id"), table_name="shares")
    op.drop_table("shares")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("users")
    op.drop_table("run_media")
    with op.batch_alter_table("files") as batch:
        batch.drop_constraint("uq_files_runner_id_content_hash", type_="unique")
        batch.create_unique_constraint("uq_files_content_hash", ["content_hash"])
