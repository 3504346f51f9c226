"""A deleted run's id is never given to another run on SQLite (AUTOINCREMENT): links and the
browser's cached media of a deleted run must not show a new one. PostgreSQL's sequences never
reuse ids, so this changes only SQLite.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate_runs(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("runs", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade() -> None:
    _recreate_runs(True)


def downgrade() -> None:
    _recreate_runs(False)
