"""Footfall-sound figures in the summary (issue 4): loudness level, spread and trend, odd/even
alternation asymmetry, and the comparison with the runner's own baseline (quiet score); and
each footfall's RMS loudness next to its peak in the steps.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMMARY_COLUMNS = (
    "loudness_dbfs",
    "loudness_iqr_db",
    "loudness_trend_db_per_10min",
    "loudness_third_change_db",
    "footfall_loudness_asymmetry_db",
    "footfall_timing_asymmetry_ms",
    "footfall_timing_asymmetry_pct",
    "loudness_vs_baseline_db",
    "quiet_score_pct",
)

STEP_COLUMNS = ("loudness_rms_db", "loudness_rms_dbfs")


def upgrade() -> None:
    for table, names in (("summaries", SUMMARY_COLUMNS), ("steps", STEP_COLUMNS)):
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.add_column(sa.Column(name, sa.Double(), nullable=True))


def downgrade() -> None:
    for table, names in (("summaries", SUMMARY_COLUMNS), ("steps", STEP_COLUMNS)):
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.drop_column(name)
