"""Per-step impact figures in the summary (g/s loading rate, peak force, VALR) and runs.info.

``runs.info`` keeps what the reader measured or guessed for a sensor file (units, sample rate,
placement guess, excluded walking and standing time), so ``softstep show`` can say it again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMMARY_COLUMNS = ("loading_rate_g_per_s", "peak_force_bw", "loading_rate_bw_per_s")


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("info", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("summaries") as batch:
        for name in SUMMARY_COLUMNS:
            batch.add_column(sa.Column(name, sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("summaries") as batch:
        for name in SUMMARY_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("info")
