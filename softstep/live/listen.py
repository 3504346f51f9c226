"""``softstep listen``: open the sound source, run a live session with a screen, save the run.

The command line (cli.listen) only parses options; this module wires the parts: a source
(``sound.Microphone`` or ``sound.FilePlayer``), an optional ``sound.Speaker`` (metronome and cue
sound), ``session.LiveSession`` and a rich Live screen showing cadence and per-step loudness.
"""

from __future__ import annotations

import math
import queue
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from softstep.errors import NoRunningError, SoftstepError, UnreadableFileError
from softstep.live.cues import CONTINUOUS_SESSIONS, BASELINE_S, CueSchedule, QuietCues
from softstep.live.session import LiveSession, LiveStep, run_blocks
from softstep.live.sound import FilePlayer, Microphone, SoundDeviceError, Speaker


@dataclass
class ListenOptions:
    """What ``softstep listen`` was asked to do (cli.listen's options)."""

    from_file: Path | None = None
    speed: float = 1.0
    session: int = 1
    retention: bool = False
    metronome: bool = False
    cadence_spm: float | None = None
    sound: bool = True
    save: bool = True
    minutes: float | None = None
    runner: str = "me"


def plan_cadence(store, runner: str, session: int) -> float | None:
    """The target cadence of the runner's latest plan for the week of quiet-running session
    ``session`` (sessions 1-4: week 1, 5-8: week 2), steps/min; None without a plan target."""
    rows = store.runs(runner)
    for row in reversed(rows):
        plan = store.load_run(row.id).plan
        if plan is None or not plan.weeks:
            continue
        week = min(max(1, math.ceil(session / CONTINUOUS_SESSIONS)), len(plan.weeks))
        target = plan.weeks[week - 1].cadence_target_spm
        if target:
            return float(target)
    return None


def _bar(over_db: float | None) -> Text:
    if over_db is None:
        return Text("·", style="dim")
    return Text("▮", style="red" if over_db > 0 else "green")


class Screen:
    """The live screen: time, cadence, the last step's loudness, smoothed vs target, the last
    24 steps as marks (red: smoothed above target), cues so far."""

    def __init__(self, session: LiveSession, header: str):
        self.session, self.header = session, header

    def render(self) -> Group:
        s = self.session
        coach = s.coach
        minutes, seconds = divmod(int(s.t_s), 60)
        cadence = s.cadence_spm()
        line1 = Text(f"{minutes}:{seconds:02d}  ", style="bold")
        line1.append(f"cadence {cadence:.0f} steps/min" if cadence else "cadence …")
        line1.append(f"   footfalls {len(s.steps)}   cues {coach.cues}")
        lines = [Text(self.header, style="dim"), line1]
        if s.steps:
            last = s.steps[-1]
            fb = last.feedback
            text = Text(f"last step {last.footfall.loudness_dbfs:6.1f} dBFS   smoothed (5 steps) "
                        f"{fb.smoothed_dbfs:6.1f} dBFS")
            if fb.target_dbfs is not None:
                text.append(f"   target {fb.target_dbfs:6.1f} dBFS ")
                text.append(f"({fb.over_db:+.1f} dB)" if fb.over_db is not None else "",
                            style="red" if (fb.over_db or 0) > 0 else "green")
            else:
                text.append(f"   measuring your baseline (first {BASELINE_S:.0f} s)")
            lines.append(text)
            if s.stored_baseline is not None:
                runs = ", ".join(map(str, s.stored_baseline.run_ids))
                lines.append(Text(f"baseline {s.stored_baseline.loudness_dbfs:.1f} dBFS from your "
                                  f"run(s) {runs}: same microphone position and surface?",
                                  style="dim"))
            elif coach.baseline_source == "session":
                lines.append(Text(f"baseline {coach.baseline_dbfs:.1f} dBFS from the first "
                                  f"{BASELINE_S:.0f} s of this session", style="dim"))
            marks = Text("steps ")
            for step in s.steps[-24:]:
                marks.append_text(_bar(step.feedback.over_db))
            lines.append(marks)
        elif s.t_s < 6.5:
            lines.append(Text("listening for a running rhythm (about 6 s)…", style="dim"))
        return Group(*lines)


def run_listen(options: ListenOptions, store, profile, out: Console, err: Console) -> int:
    """Run one live session; returns the exit code (0 saved or not asked to save, 1 when the
    sound held no running). Raises SoftstepError for a missing file, device or target."""
    schedule = CueSchedule.for_session(options.session, options.retention)
    history = store.audio_history(options.runner) if store is not None else []
    spm = None
    if options.metronome:
        spm = options.cadence_spm or (plan_cadence(store, options.runner, options.session)
                                      if store is not None else None)
        if spm is None:
            raise SoftstepError("--metronome: no target cadence in your plan yet (analyse a "
                                "run first with softstep analyze) — give --cadence SPM")
    blocks: queue.Queue = queue.Queue()
    if options.from_file is not None:
        if not options.from_file.is_file():
            raise UnreadableFileError(str(options.from_file), "no such file")
        source = FilePlayer(options.from_file, blocks, options.speed)
        label, file_name = str(options.from_file), options.from_file.name
        what = f"playing {options.from_file.name} ({options.speed:g}x real time, no microphone)"
    else:
        source = Microphone(blocks)
        stamp = source_stamp()
        label, file_name = f"microphone session {stamp}", f"listen-{stamp}"
        what = f"microphone: {source.name}, {source.sample_rate_hz / 1000:g} kHz"
    speaker = None
    if spm is not None or (options.sound and schedule.mode != "none"):
        try:
            speaker = Speaker(spm)
        except SoundDeviceError as exc:
            if spm is not None:
                raise
            err.print(f"[yellow]warning:[/yellow] no cue sound ({exc}); cues are shown on "
                      "screen only", soft_wrap=True)
    coach = QuietCues(schedule)
    session = LiveSession(source.sample_rate_hz, coach, loudness_history=history)
    err.print(what)
    err.print(schedule.describe())
    if spm is not None:
        err.print(f"metronome at {spm:.0f} steps/min")
    if history:
        err.print("baseline: your earlier audio runs at this cadence once it is known (else "
                  f"the first {BASELINE_S:.0f} s) — keep the same microphone position and "
                  "surface (and speed), or the comparison means nothing")
    else:
        err.print(f"baseline: no earlier audio run of yours, so the first {BASELINE_S:.0f} s set "
                  "it — run as you usually do, then land softer")
    err.print("Ctrl-C ends the session" + (" and saves it" if options.save else ""))

    screen = Screen(session, f"{what} · {schedule.mode} cues")

    def on_steps(steps: list[LiveStep]) -> None:
        for step in steps:
            if step.feedback.cue:
                if speaker is not None:
                    speaker.cue()
                live.console.print(
                    f"cue at {int(step.footfall.t_s // 60)}:{int(step.footfall.t_s % 60):02d}: "
                    f"footfalls {step.feedback.over_db:+.1f} dB over your target — land softer")

    stop_after = options.minutes * 60.0 if options.minutes else None
    with Live(screen.render(), console=err, refresh_per_second=4, transient=False) as live:
        if speaker is not None:
            speaker.start()
        source.start()
        try:
            why = run_blocks(session, blocks, on_steps=on_steps,
                             on_tick=lambda: live.update(screen.render()),
                             stop_after_s=stop_after)
        finally:
            source.stop()
            if speaker is not None:
                speaker.stop()
        live.update(screen.render())
    err.print()
    if getattr(source, "error", None) is not None:
        err.print(f"[yellow]warning:[/yellow] {label}: the sound ended early "
                  f"({source.error})", soft_wrap=True)
    summary = session.summary()
    err.print(f"session ended ({why}): {session.t_s:.0f} s of sound, {len(session.steps)} "
              f"footfalls shown, {summary['cues']} cue(s); the live stage used "
              f"{1000 * (summary['cpu_s_per_s'] or 0):.0f} ms of CPU per second of sound")
    if not options.save:
        return 0
    try:
        analysis = session.save(profile, label, store=store, runner_name=options.runner,
                                info={"source": "file" if options.from_file else "microphone"},
                                file_name=file_name)
    except NoRunningError as exc:
        err.print(f"[red]error:[/red] nothing saved: {exc}", soft_wrap=True)
        return 1
    from softstep.report.text import print_report

    for message in analysis.warnings:
        err.print(f"[yellow]warning:[/yellow] {message}", soft_wrap=True)
    print_report(analysis, out)
    run_id = analysis.runs[0].run_id
    err.print(f"saved as run {run_id} ({file_name})" if run_id is not None else "not saved")
    return 0


def source_stamp() -> str:
    """A UTC time stamp for naming a microphone session, e.g. 20261204-1745."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
