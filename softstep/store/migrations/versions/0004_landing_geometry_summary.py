"""Landing geometry in the summary (issue 5): medians over a side-view video's landings of the
foot-strike angle, strike-class shares, overstride, shank angle, knee flexion and trunk lean,
and the number of landings they rest on (softstep.metrics_video).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMMARY_COLUMNS = (
    "strike_angle_deg",
    "rearfoot_pct",
    "midfoot_pct",
    "forefoot_pct",
    "overstride_cm",
    "overstride_pct_leg",
    "shank_angle_deg",
    "knee_flexion_ic_deg",
    "knee_flexion_peak_deg",
    "trunk_lean_deg",
)


def upgrade() -> None:
    with op.batch_alter_table("summaries") as batch:
        for name in SUMMARY_COLUMNS:
            batch.add_column(sa.Column(name, sa.Double(), nullable=True))
        batch.add_column(sa.Column("landings_measured", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("summaries") as batch:
        batch.drop_column("landings_measured")
        for name in reversed(SUMMARY_COLUMNS):
            batch.drop_column(name)
