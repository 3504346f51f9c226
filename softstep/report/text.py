"""The terminal report: summary, ranked findings with evidence, per-km table and plan.

>>> from io import StringIO
>>> from rich.console import Console
>>> from softstep import Runner, sample_path
>>> from softstep.pipeline import analyze_file
>>> console = Console(file=StringIO(), width=100)
>>> print_report(analyze_file(sample_path(), Runner()), console)
>>> "Cadence" in console.file.getvalue()
True
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from softstep.model import FileAnalysis, Plan, PlanItem, RunAnalysis
from softstep.report import format as fmt


def print_report(analysis: FileAnalysis, console: Console) -> None:
    """Print every run of ``analysis`` to ``console``, then what was skipped."""
    for run in analysis.runs:
        console.print(run_report(run))
    for skipped in analysis.skipped:
        console.print(f"[dim]skipped {skipped} (not running)[/dim]")


def run_report(run: RunAnalysis) -> Group:
    """One run as a group of rich renderables."""
    parts = [_header(run), _summary(run)]
    parts.append(_findings(run))
    loudness = fmt.loudness_lines(run)
    if loudness:
        parts.append(Panel(Text("\n".join(loudness)), title="Footfall loudness",
                           title_align="left"))
    if len(run.segments):
        parts.append(_per_km(run))
    parts.append(_plan(run.plan))
    return Group(*parts)


def _header(run: RunAnalysis) -> Text:
    rec = run.recording
    bits = [
        rec.start.strftime("%Y-%m-%d %H:%M UTC") if rec.start else "start time unknown",
        rec.device or rec.source.upper(),
    ]
    if run.run_id is not None:
        bits.append(f"run {run.run_id}")
    head = Text(f"\n{rec.path or 'run'}", style="bold")
    head.append(f"  ({' · '.join(bits)})", style="dim")
    sensor = fmt.sensor_line(rec)  # an inertial run: which sensor, where it was worn
    if sensor:
        head.append(f"\n{sensor}", style="bold cyan")
    activity = fmt.activity_line(rec.info)
    if activity:
        head.append(f"\n{activity[0].upper()}{activity[1:]}", style="dim")
    return head


def _summary(run: RunAnalysis) -> Table:
    table = Table(title="Summary", title_justify="left", show_header=False, box=None)
    table.add_column(style="cyan")
    table.add_column(justify="right")
    for name, value in fmt.summary_rows(run.summary, run.recording.source):
        table.add_row(name, value)
    drift = fmt.drift_rows(run.summary)
    if drift:
        table.add_row("", "")
        table.add_row("[bold]Drift, first to last third[/bold]", "[dim](same speed)[/dim]")
        for name, value in drift:
            table.add_row(name, value)
    return table


def _findings(run: RunAnalysis) -> Panel | Text:
    if not run.findings:
        return Text(
            "\nNo cause of hard landing stands out in this run: keep doing what you do.",
            style="green",
        )
    blocks = []
    for rank, finding in enumerate(run.findings, 1):
        head = Text(f"{rank}. {finding.title}", style="bold")
        head.append(
            f"  confidence {fmt.confidence_word(finding)} ({finding.confidence:.0%})", style="dim"
        )
        body = Text(finding.detail + "\n")
        for ev in finding.evidence:
            body.append(f"  • {ev.metric}: {fmt.evidence_value(ev.value, ev.unit)}", style="cyan")
            body.append(f"  vs {ev.reference}\n", style="dim")
        if finding.confirm_with:
            body.append(f"  To confirm: {finding.confirm_with}\n", style="italic")
        blocks.append(Group(head, body))
    return Panel(Group(*blocks), title="Why you may land hard, most likely first", title_align="left")


def _per_km(run: RunAnalysis) -> Table:
    names, rows = fmt.segment_cells(run.segments)
    table = Table(title=fmt.segment_title(run.segments), title_justify="left")
    for name in names:
        table.add_column(fmt.heading(name), justify="right")
    for cells in rows:
        table.add_row(*cells)
    return table


def _item_line(item: PlanItem) -> str:
    dose = []
    if item.sets:
        dose.append(f"{item.sets} × {item.reps}" if item.reps else f"{item.sets} sets")
    if item.minutes:
        dose.append(f"{item.minutes:g} min")
    line = f"[bold]{item.title}[/bold]" + (f" ({', '.join(dose)})" if dose else "")
    line += f": {item.detail}"
    if item.progression:
        line += f" [dim]Progression: {item.progression}[/dim]"
    if item.answers:
        line += f" [dim](for {', '.join(c.replace('_', ' ') for c in item.answers)})[/dim]"
    return line


def _plan(plan: Plan) -> Panel:
    weeks = Table(box=None, show_header=True, pad_edge=False)
    weeks.add_column("week", justify="right")
    weeks.add_column("cadence target", justify="right")
    weeks.add_column("focus")
    weeks.add_column("sessions")
    for week in plan.weeks:
        target = f"{week.cadence_target_spm:.0f}" if week.cadence_target_spm else fmt.MISSING
        sessions = "; ".join(
            f"{s.title}" + (f" {s.minutes:g} min" if s.minutes else "") for s in week.sessions
        )
        weeks.add_row(str(week.week), target, week.focus, sessions)
    parts: list = [weeks]
    for heading, items in (("Strength", plan.strength), ("Cues", plan.cues), ("Shoes and surfaces", plan.gear)):
        if items:
            parts.append(Text(f"\n{heading}", style="bold underline"))
            parts.extend(Text.from_markup(f"• {_item_line(i)}") for i in items)
    baseline = (
        f" from your {plan.baseline_cadence_spm:.0f} steps/min" if plan.baseline_cadence_spm else ""
    )
    return Panel(Group(*parts), title=f"Your plan{baseline}", title_align="left")
