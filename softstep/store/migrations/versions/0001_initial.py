"""Initial schema: runners, files, runs, records, steps, summaries, segments, findings, plans.

The column lists are frozen copies of RECORD_COLUMNS, STEP_COLUMNS and the Summary fields as
they were at this revision. Never edit them here: a new column gets a new revision
(``alembic -c softstep/store/alembic.ini revision --autogenerate -m "..."``).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "runners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("height_cm", sa.Double(), nullable=True),
        sa.Column("mass_kg", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runners")),
        sa.UniqueConstraint("name", name=op.f("uq_runners_name")),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("runner_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["runners.id"],
            name=op.f("fk_files_runner_id_runners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_files_content_hash")),
    )
    op.create_index(op.f("ix_files_runner_id"), "files", ["runner_id"], unique=False)
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("runner_id", sa.Integer(), nullable=False),
        sa.Column("session_index", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("sport", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("placement", sa.String(length=64), nullable=True),
        sa.Column("sample_rate_hz", sa.Double(), nullable=True),
        sa.Column("laps", sa.JSON(), nullable=True),
        sa.Column("segment_columns", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_runs_file_id_files"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["runners.id"],
            name=op.f("fk_runs_runner_id_runners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("file_id", "session_index", name=op.f("uq_runs_file_id_session_index")),
    )
    op.create_index(op.f("ix_runs_file_id"), "runs", ["file_id"], unique=False)
    op.create_index(op.f("ix_runs_runner_id_start"), "runs", ["runner_id", "start"], unique=False)
    op.create_table(
        "findings",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("severity", sa.Double(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("confirm_with", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_findings_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "rank", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_code"), "findings", ["code"], unique=False)
    op.create_table(
        "plans",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("baseline_cadence_spm", sa.Double(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_plans_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_plans")),
    )
    op.create_table(
        "records",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("t_s", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("speed_m_per_s", sa.Double(), nullable=True),
        sa.Column("altitude_m", sa.Double(), nullable=True),
        sa.Column("grade_pct", sa.Double(), nullable=True),
        sa.Column("hr_bpm", sa.Double(), nullable=True),
        sa.Column("cadence_spm", sa.Double(), nullable=True),
        sa.Column("contact_s", sa.Double(), nullable=True),
        sa.Column("contact_pct", sa.Double(), nullable=True),
        sa.Column("contact_balance_left_pct", sa.Double(), nullable=True),
        sa.Column("vertical_oscillation_cm", sa.Double(), nullable=True),
        sa.Column("vertical_ratio_pct", sa.Double(), nullable=True),
        sa.Column("step_length_m", sa.Double(), nullable=True),
        sa.Column("lat_deg", sa.Double(), nullable=True),
        sa.Column("lon_deg", sa.Double(), nullable=True),
        sa.Column("power_w", sa.Double(), nullable=True),
        sa.Column("form_power_w", sa.Double(), nullable=True),
        sa.Column("leg_spring_stiffness_kn_per_m", sa.Double(), nullable=True),
        sa.Column("impact_loading_rate_bw_per_s", sa.Double(), nullable=True),
        sa.Column("impact_g", sa.Double(), nullable=True),
        sa.Column("impact_g_left", sa.Double(), nullable=True),
        sa.Column("impact_g_right", sa.Double(), nullable=True),
        sa.Column("braking_g", sa.Double(), nullable=True),
        sa.Column("braking_g_left", sa.Double(), nullable=True),
        sa.Column("braking_g_right", sa.Double(), nullable=True),
        sa.Column("strike_type", sa.Double(), nullable=True),
        sa.Column("strike_type_left", sa.Double(), nullable=True),
        sa.Column("strike_type_right", sa.Double(), nullable=True),
        sa.Column("pronation_deg", sa.Double(), nullable=True),
        sa.Column("pronation_deg_left", sa.Double(), nullable=True),
        sa.Column("pronation_deg_right", sa.Double(), nullable=True),
        sa.Column("contact_s_left", sa.Double(), nullable=True),
        sa.Column("contact_s_right", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_records_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "idx", name=op.f("pk_records")),
    )
    op.create_table(
        "segments",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_segments_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "idx", name=op.f("pk_segments")),
    )
    op.create_table(
        "steps",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("t_s", sa.Double(), nullable=True),
        sa.Column("to_s", sa.Double(), nullable=True),
        sa.Column("side", sa.String(), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("step_s", sa.Double(), nullable=True),
        sa.Column("cadence_spm", sa.Double(), nullable=True),
        sa.Column("contact_s", sa.Double(), nullable=True),
        sa.Column("flight_s", sa.Double(), nullable=True),
        sa.Column("impact_g", sa.Double(), nullable=True),
        sa.Column("impact_clipped", sa.Boolean(), nullable=True),
        sa.Column("loading_rate_g_per_s", sa.Double(), nullable=True),
        sa.Column("peak_force_bw", sa.Double(), nullable=True),
        sa.Column("loading_rate_bw_per_s", sa.Double(), nullable=True),
        sa.Column("vertical_oscillation_cm", sa.Double(), nullable=True),
        sa.Column("loudness_db", sa.Double(), nullable=True),
        sa.Column("loudness_dbfs", sa.Double(), nullable=True),
        sa.Column("strike_angle_deg", sa.Double(), nullable=True),
        sa.Column("strike_class", sa.String(), nullable=True),
        sa.Column("overstride_cm", sa.Double(), nullable=True),
        sa.Column("overstride_pct_leg", sa.Double(), nullable=True),
        sa.Column("shank_angle_deg", sa.Double(), nullable=True),
        sa.Column("knee_flexion_ic_deg", sa.Double(), nullable=True),
        sa.Column("knee_flexion_peak_deg", sa.Double(), nullable=True),
        sa.Column("trunk_lean_deg", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_steps_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "idx", name=op.f("pk_steps")),
    )
    op.create_table(
        "summaries",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("moving_s", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("speed_m_per_s", sa.Double(), nullable=True),
        sa.Column("cadence_spm", sa.Double(), nullable=True),
        sa.Column("contact_s", sa.Double(), nullable=True),
        sa.Column("flight_s", sa.Double(), nullable=True),
        sa.Column("duty_factor", sa.Double(), nullable=True),
        sa.Column("vertical_oscillation_cm", sa.Double(), nullable=True),
        sa.Column("vertical_ratio_pct", sa.Double(), nullable=True),
        sa.Column("step_length_m", sa.Double(), nullable=True),
        sa.Column("contact_balance_left_pct", sa.Double(), nullable=True),
        sa.Column("grade_pct", sa.Double(), nullable=True),
        sa.Column("hr_bpm", sa.Double(), nullable=True),
        sa.Column("power_w", sa.Double(), nullable=True),
        sa.Column("impact_g", sa.Double(), nullable=True),
        sa.Column("braking_g", sa.Double(), nullable=True),
        sa.Column("impact_loading_rate_bw_per_s", sa.Double(), nullable=True),
        sa.Column("strike_type", sa.Double(), nullable=True),
        sa.Column("leg_stiffness_kn_per_m", sa.Double(), nullable=True),
        sa.Column("vertical_stiffness_kn_per_m", sa.Double(), nullable=True),
        sa.Column("cadence_speed_slope_spm_per_m_per_s", sa.Double(), nullable=True),
        sa.Column("drift", sa.JSON(), nullable=True),
        sa.Column("steps_detected", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_summaries_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_summaries")),
    )


def downgrade() -> None:
    op.drop_table("summaries")
    op.drop_table("steps")
    op.drop_table("segments")
    op.drop_table("records")
    op.drop_table("plans")
    op.drop_index(op.f("ix_findings_code"), table_name="findings")
    op.drop_table("findings")
    op.drop_index(op.f("ix_runs_runner_id_start"), table_name="runs")
    op.drop_index(op.f("ix_runs_file_id"), table_name="runs")
    op.drop_table("runs")
    op.drop_index(op.f("ix_files_runner_id"), table_name="files")
    op.drop_table("files")
    op.drop_table("runners")
