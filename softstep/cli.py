"""The ``softstep`` command line.

Heavy modules (pandas, plotly, SQLAlchemy) are imported inside the commands so that
``softstep --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from softstep.errors import SoftstepError
from softstep.model import PLACEMENTS

if TYPE_CHECKING:
    from softstep.model import FileAnalysis
    from softstep.store import Store
    from softstep.store.accounts import Accounts

app = typer.Typer(
    help="Why do I land so hard? Analyse running files, get the causes and a plan to land softly.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
profile_app = typer.Typer(help="Your height and mass (they enable leg-stiffness metrics).")
app.add_typer(profile_app, name="profile")
models_app = typer.Typer(help="The pose model that video analysis runs (obtained once, offline).")
app.add_typer(models_app, name="models")
users_app = typer.Typer(help="Accounts for `softstep serve --multi-user`: add users, reset a "
                        "password, let an athlete share their runs with a coach.")
app.add_typer(users_app, name="users")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="SOFTSTEP_DB",
        help="SQLAlchemy database URL (default: SQLite in your user data folder).",
        show_default=False,
    ),
]
RunnerOption = Annotated[str, typer.Option("--runner", help="Whose runs these are.")]
Placement = Enum("Placement", {p: p for p in PLACEMENTS}, type=str)
Side = Enum("Side", {"left": "left", "right": "right"}, type=str)
AccUnits = Enum("AccUnits", {"g": "g", "m/s2": "m/s2"}, type=str)
GyrUnits = Enum("GyrUnits", {"rad/s": "rad/s", "deg/s": "deg/s"}, type=str)
MediaSource = Enum("MediaSource", {"video": "video", "audio": "audio"}, type=str)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code)


def _open_store(db: str | None) -> Store:
    from softstep.store import Store

    return Store(db)


VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".MP4", ".MOV", ".M4V")


def _clip_for(source: Path, video: Path | None) -> Path | None:
    """The clip behind a video analysis: ``--video``, the input itself when it is a clip, or
    ``<stem>.mp4`` / ``.mov`` next to a ``<stem>.pose.json`` keypoint file; else None."""
    if video is not None:
        return video
    if source.suffix in VIDEO_SUFFIXES:
        return source
    stem = source.name.removesuffix(".gz").removesuffix(".json").removesuffix(".pose")
    found = [source.with_name(stem + s) for s in VIDEO_SUFFIXES]
    return next((p for p in found if p.is_file()), None)


def _write_html(analysis: FileAnalysis, path: Path, video: Path | None = None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from softstep.report.html import write_html

    if video is None or not any(r.recording.source == "video" for r in analysis.runs):
        write_html(analysis, path)
        err.print(f"HTML report written to {path}")
        return
    bar = Progress(TextColumn(f"drawing {video.name}"), BarColumn(), MofNCompleteColumn(),
                   console=err, transient=True)
    try:
        with bar:
            task = bar.add_task("frames", total=None)
            write_html(analysis, path, video=video,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    except SoftstepError:  # the clip is unreadable: the report without it, then the error
        write_html(analysis, path)
        err.print(f"HTML report written to {path} (without the video figures)")
        raise
    err.print(f"HTML report written to {path}, annotated video next to it")


def _html_target(html: Path, source: Path, several: bool) -> Path:
    """One input: ``html`` is the report file. Several inputs: ``html`` is a folder."""
    if not several:
        return html
    html.mkdir(parents=True, exist_ok=True)
    return html / f"{source.stem}.html"


@app.command()
def analyze(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="FIT, TCX or GPX files (.gz too), inertial sensor files (Sensor Logger zip or "
            "CSV, phyphox CSV, a CSV or Parquet of time_s and acc_x..gyr_z) or force-plate "
            "files (QTM force TSV, CSV of time_s and fz_n), side-view keypoint JSON "
            "(e.g. RTMPose-Halpe26 .pose.json) or a side-view video (MP4, MOV: pose model "
            "from `softstep models fetch`)."
        ),
    ],
    runner: RunnerOption = "me",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per file (JSON Lines).")
    ] = False,
    records: Annotated[
        bool, typer.Option("--records", help="With --json: include the per-record table.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write an HTML report (a folder when several files)."),
    ] = None,
    video: Annotated[
        Path | None,
        typer.Option("--video", help="With --html and a keypoint file: the side-view clip it "
                     "came from, drawn as an annotated video and contact sheets (default: "
                     "<stem>.mp4 or .mov next to <stem>.pose.json)."),
    ] = None,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="Keep the runs in the database.")
    ] = True,
    placement: Annotated[
        Placement | None,
        typer.Option(help="Where an inertial sensor was worn (guessed when not given)."),
    ] = None,
    side: Annotated[
        Side | None, typer.Option(help="The leg a shank or shoe sensor was on.")
    ] = None,
    acc_units: Annotated[
        AccUnits | None,
        typer.Option("--acc-units", help="Accelerometer units of a CSV (detected when not given)."),
    ] = None,
    gyr_units: Annotated[
        GyrUnits | None,
        typer.Option("--gyr-units", help="Gyroscope units of a CSV (detected when not given)."),
    ] = None,
    sample_rate: Annotated[
        float | None,
        typer.Option(
            "--sample-rate", min=1, max=100_000,
            help="Sampling rate (Hz) of a sensor file whose time column is missing or too coarse.",
        ),
    ] = None,
    source: Annotated[
        MediaSource | None,
        typer.Option(
            "--source",
            help="For a video file: analyse its picture through the pose model (video, the "
            "default when it has a video stream) or its sound track (audio).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Analyse running files: summary, ranked causes of hard landing, and a plan.

    A file that cannot be read is reported in one line and the others are still analysed;
    the exit code is 1 if any file failed.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from softstep.pipeline import analyze_file, to_json
    from softstep.report.text import print_report

    try:
        database = _open_store(db)  # the runner's profile lives there even with --no-store
        profile = database.runner(runner)
    except SoftstepError as exc:
        raise _fail(str(exc)) from None
    db_store = database if store else None

    failed = 0
    several = len(files) > 1
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not several,
    )
    with progress:
        task = progress.add_task("analysing", total=len(files))
        for path in files:
            progress.update(task, description=f"analysing {path.name}")
            try:
                analysis = analyze_file(
                    path,
                    profile,
                    side=side.value[0].upper() if side else None,
                    loudness_history=database.audio_history(runner),  # own baseline, audio
                    video_history=database.video_history(runner),  # own overstride, video
                    placement=placement.value if placement else None,
                    acc_units=acc_units.value if acc_units else None,
                    gyr_units=gyr_units.value if gyr_units else None,
                    sample_rate_hz=sample_rate,
                    source=source.value if source else None,
                )
                if db_store is not None:
                    result = db_store.import_analysis(
                        analysis, runner=runner, file_name=path.name, file_size=path.stat().st_size
                    )
                    for run, run_id in zip(analysis.runs, result.run_ids, strict=True):
                        run.run_id = run_id
                    if result.duplicate:
                        err.print(f"{path}: already stored (run {', '.join(map(str, result.run_ids))})")
                for message in analysis.warnings:
                    err.print(f"[yellow]warning:[/yellow] {message}", soft_wrap=True)
                if as_json:
                    print(json.dumps(to_json(analysis, include_records=records)), flush=True)
                else:
                    print_report(analysis, out)
                if html is not None:
                    _write_html(analysis, _html_target(html, path, several),
                                _clip_for(path, None if several else video))
            except SoftstepError as exc:
                failed += 1
                err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            except Exception as exc:  # one bad file must not stop a batch
                failed += 1
                err.print(
                    f"[red]error:[/red] {path}: internal error {type(exc).__name__}: {exc} "
                    "(please report this with the file if you can share it)",
                    soft_wrap=True,
                )
            progress.advance(task)
    database.close()
    if failed:
        if several:
            err.print(f"{failed} of {len(files)} files failed")
        raise typer.Exit(1)


@app.command()
def runs(runner: Annotated[str | None, typer.Option(help="Only this runner.")] = None, db: DbOption = None) -> None:
    """List stored runs."""
    from rich.table import Table

    try:
        store = _open_store(db)
        rows = store.runs(runner)
    except SoftstepError as exc:
        raise _fail(str(exc)) from None
    if not rows:
        out.print("No runs stored yet. Try: softstep analyze YOUR_FILE.fit")
        return
    longest_name = max(len(r.file_name or "") for r in rows)
    table = Table("id", "runner", "start UTC", "source", "km", "min", "spm")
    table.add_column("file", no_wrap=True, min_width=min(40, longest_name))
    for row in rows:
        table.add_row(
            str(row.id),
            row.runner,
            row.start.strftime("%Y-%m-%d %H:%M") if row.start else "-",
            row.source,
            f"{row.distance_m / 1000:.2f}" if row.distance_m is not None else "-",
            f"{row.duration_s / 60:.0f}" if row.duration_s is not None else "-",
            f"{row.cadence_spm:.0f}" if row.cadence_spm is not None else "-",
            row.file_name or "-",
        )
    out.print(table)
    store.close()


@app.command()
def show(
    run_id: Annotated[int, typer.Argument(help="Run id, from `softstep runs`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    records: Annotated[bool, typer.Option("--records", help="With --json: include records.")] = False,
    html: Annotated[Path | None, typer.Option("--html", help="Write an HTML report.")] = None,
    db: DbOption = None,
) -> None:
    """Show one stored run: summary, findings and plan."""
    from softstep.model import FileAnalysis
    from softstep.pipeline import to_json
    from softstep.report.text import print_report

    try:
        store = _open_store(db)
        run = store.load_run(run_id)
    except (SoftstepError, KeyError) as exc:
        raise _fail(str(exc).strip("'")) from None
    store.close()
    analysis = FileAnalysis(run.recording.path or f"run {run_id}", [run])
    if as_json:
        print(json.dumps(to_json(analysis, include_records=records)))
    else:
        print_report(analysis, out)
    if html is not None:
        _write_html(analysis, html)


@profile_app.command("set")
def profile_set(
    height_cm: Annotated[float | None, typer.Option(min=100, max=230, help="Height, cm.")] = None,
    mass_kg: Annotated[float | None, typer.Option(min=25, max=200, help="Body mass, kg.")] = None,
    runner: RunnerOption = "me",
    db: DbOption = None,
) -> None:
    """Set a runner's height and mass."""
    try:
        store = _open_store(db)
        current = store.runner(runner)
        saved = store.set_profile(
            runner,
            height_cm=height_cm if height_cm is not None else current.height_cm,
            mass_kg=mass_kg if mass_kg is not None else current.mass_kg,
        )
    except SoftstepError as exc:
        raise _fail(str(exc)) from None
    store.close()
    out.print(_describe_profile(saved))


@profile_app.command("show")
def profile_show(runner: RunnerOption = "me", db: DbOption = None) -> None:
    """Show a runner's profile."""
    try:
        store = _open_store(db)
        out.print(_describe_profile(store.runner(runner)))
    except SoftstepError as exc:
        raise _fail(str(exc)) from None
    store.close()


def _describe_profile(runner) -> str:
    height = f"{runner.height_cm:g} cm" if runner.height_cm else "height not set"
    mass = f"{runner.mass_kg:g} kg" if runner.mass_kg else "mass not set"
    return f"{runner.name}: {height}, {mass}"


@app.command()
def metronome(
    spm: Annotated[float, typer.Option(help="Beats (steps) per minute.")],
    minutes: Annotated[float, typer.Option(help="Length of the track, minutes.")] = 20.0,
    output: Annotated[Path, typer.Option("-o", "--output", help="WAV file to write.")] = Path(
        "click.wav"
    ),
) -> None:
    """Write a click track at a target cadence, e.g. --spm 172 --minutes 20 -o click.wav."""
    from softstep.coach.metronome import write_click_wav

    try:
        write_click_wav(output, spm, minutes)
    except (ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    out.print(f"Wrote {output}: {minutes:g} min at {spm:g} steps/min")


@app.command()
def listen(
    from_file: Annotated[
        Path | None,
        typer.Option("--from-file", help="Play this recording through the live path in real "
                     "time instead of the microphone.", show_default=False),
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0.1, max=100, help="With --from-file: play this many times "
                            "faster than real time.")
    ] = 1.0,
    session: Annotated[
        int, typer.Option(min=1, max=8, help="Quiet-running session of your plan (1-8): "
                          "continuous cues in 1-4, faded in 5-8 (SCIENCE.md §2).")
    ] = 1,
    retention: Annotated[
        bool, typer.Option("--retention", help="A retention check: no cues at all.")
    ] = False,
    metronome: Annotated[
        bool, typer.Option("--metronome", help="Play clicks at your plan's target cadence.")
    ] = False,
    cadence: Annotated[
        float | None, typer.Option("--cadence", min=60, max=240, help="Metronome cadence, "
                                   "steps/min (default: your plan's target).", show_default=False)
    ] = None,
    sound: Annotated[
        bool, typer.Option("--sound/--no-sound", help="Play a short cue sound when your "
                           "footfalls stay louder than your target.")
    ] = True,
    minutes: Annotated[
        float | None, typer.Option(min=0.1, help="Stop after this many minutes of sound.",
                                   show_default=False)
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Save the session as a run.")
    ] = True,
    runner: RunnerOption = "me",
    db: DbOption = None,
) -> None:
    """Listen to your footfalls while you run: cadence and per-step loudness on screen, a cue
    when they stay louder than your target, the session saved as a run. Ctrl-C ends it.

    Needs a microphone (PortAudio: sudo apt install libportaudio2) unless --from-file is given.
    """
    from softstep.live.listen import ListenOptions, run_listen

    options = ListenOptions(from_file=from_file, speed=speed, session=session,
                            retention=retention, metronome=metronome, cadence_spm=cadence,
                            sound=sound, save=save, minutes=minutes, runner=runner)
    try:
        database = _open_store(db)
        profile = database.runner(runner)
        code = run_listen(options, database, profile, out, err)
    except SoftstepError as exc:
        raise _fail(str(exc)) from None
    database.close()
    if code:
        raise typer.Exit(code)


@app.command()
def validate(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="The shared data folder (default: $SOFTSTEP_SHARED_DATA, else "
            "../shared/data beside the repository).", show_default=False,
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(help="Comma-separated data sets: sacral,ankle_hip,foot,forceplate,audio,"
                     "video,markers."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check softstep against the data sets with ground truth; exit 1 when a target fails.

    Every recording goes through the same analysis as `softstep analyze`.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from softstep.validation import report

    try:
        names = report.parse_only(only)
        folder = report.resolve_data_dir(data, names)
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc), code=2) from None
    progress = Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(),
        MofNCompleteColumn(), console=err, transient=True,
    )
    with progress:
        task = progress.add_task("validating", total=report.work_units(names))

        def tick(description: str) -> None:
            progress.update(task, description=description)
            progress.advance(task)

        try:
            tables = report.validate(folder, names, progress=tick)
        except (SoftstepError, FileNotFoundError) as exc:
            raise _fail(str(exc)) from None
    if as_json:
        print(json.dumps(report.to_json(tables, folder)))
    else:
        report.print_tables(tables, out)
    if report.failed(tables):
        raise typer.Exit(1)


LOOPBACK_NAMES = ("localhost",)


def _is_loopback(host: str) -> bool:
    """True for an address only this computer reaches: localhost, 127.0.0.0/8, ::1.

    >>> _is_loopback("127.0.0.1"), _is_loopback("::1"), _is_loopback("0.0.0.0")
    (True, True, False)
    """
    import ipaddress

    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _browser_url(host: str, port: int, path: str) -> str:
    """The URL to open for a server listening on ``host``: an unspecified address (0.0.0.0,
    ::) is reached on this computer at 127.0.0.1; IPv6 addresses get brackets.

    >>> _browser_url("::1", 8000, "/runs")
    'http://[::1]:8000/runs'
    """
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Without --multi-user only "
                                            "this computer (127.0.0.1, ::1, localhost): "
                                            "single-user mode has no sign-in.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    max_upload_mb: Annotated[float, typer.Option(min=1, help="Largest upload, MiB.")] = 200,
    db: DbOption = None,
    multi_user: Annotated[bool, typer.Option(
        "--multi-user", help="Sign-in required (accounts from `softstep users add NAME`): each "
        "user sees their own runs and those of athletes who share with them.")] = False,
) -> None:
    """Run the web app: upload runs, browse them, plan and progress pages, and a JSON API
    (its OpenAPI schema is at /openapi.json)."""
    if not multi_user and not _is_loopback(host):
        raise _fail(f"--host {host} would open the web app to other computers, and single-user "
                    "mode has no sign-in: anyone could read and delete your runs. Add "
                    "--multi-user (after `softstep users add NAME`), or leave out --host to "
                    "serve this computer only.", code=2)
    import uvicorn

    from softstep.web import create_app

    try:
        web_app = create_app(db, max_upload_bytes=int(max_upload_mb * 1024 * 1024),
                             multi_user=multi_user)
        no_users = multi_user and not web_app.state.accounts.users()
    except SoftstepError as exc:
        raise _fail(str(exc)) from None
    if no_users:
        web_app.state.store.close()
        raise _fail("multi-user mode needs an account to sign in with, and there is none yet: "
                    "run `softstep users add NAME` first (with the same --db).")
    mode = "multi-user, sign-in required" if multi_user else "single-user, no sign-in"
    url = _browser_url(host, port, "/login" if multi_user else "/runs")
    err.print(f"softstep web app ({mode}) listening on {host}:{port}: open {url} "
              "(API schema at /openapi.json); Ctrl+C stops", soft_wrap=True)
    uvicorn.run(web_app, host=host, port=port, log_level="info")


@app.command()
def demo(
    html: Annotated[Path, typer.Option("--html", help="Where to write the HTML report.")] = Path(
        "softstep-demo.html"
    ),
) -> None:
    """Analyse the bundled sample run (a real 47-minute run) and write an HTML report."""
    from softstep import sample_path
    from softstep.model import Runner
    from softstep.pipeline import analyze_file
    from softstep.report.text import print_report

    analysis = analyze_file(sample_path(), Runner("sample runner"))
    print_report(analysis, out)
    _write_html(analysis, html)
    out.print(
        f"\nOpen {html} in a browser. Analyse your own runs with: softstep analyze YOUR_FILE.fit"
    )


@models_app.command("fetch")
def models_fetch(
    source: Annotated[
        str, typer.Option("--source", help="wheel: build it from the mediapipe 0.10.21 wheel via "
                          "pip (works with a package index only); url: download Google's "
                          "pose_landmarker_full.task (needs the internet).")
    ] = "wheel",
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when it exists.")] = False,
) -> None:
    """Obtain the BlazePose model for video analysis into $SOFTSTEP_MODEL_DIR
    (default ~/.cache/softstep/models). Run once after installing softstep[video]."""
    from softstep.pose.model import MODEL_LICENCE, fetch_model

    if source not in ("wheel", "url"):
        raise _fail(f"--source must be wheel or url, not {source}")
    try:
        path = fetch_model(source=source, force=force)
    except (SoftstepError, OSError) as exc:
        raise _fail(str(exc)) from None
    out.print(f"pose model: {path}\nlicence: {MODEL_LICENCE}")


@models_app.command("path")
def models_path() -> None:
    """Print where the pose model is looked for, and whether it is there."""
    from softstep.pose.model import model_path

    path = model_path()
    out.print(f"{path} ({'present' if path.is_file() else 'missing: run softstep models fetch'})")


PasswordStdinOption = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password as one line from stdin (for scripts) instead "
    "of a hidden prompt.")]


@contextmanager
def _accounts(db: str | None) -> Iterator[Accounts]:
    """The accounts of the store at ``db``, closed afterwards; a SoftstepError (an unknown user,
    a short password, a store that cannot open) becomes an error message and exit code 1."""
    from softstep.store.accounts import Accounts

    try:
        store = _open_store(db)
    except SoftstepError as exc:
        raise _fail(escape(str(exc))) from None
    try:
        yield Accounts(store)
    except SoftstepError as exc:
        raise _fail(escape(str(exc))) from None
    finally:
        store.close()


def _new_password(name: str, from_stdin: bool) -> str:
    """A password for ``name``: one line of stdin, or typed twice at a hidden prompt (Accounts
    refuses one that is too short)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)


def _known_user(accounts: Accounts, name: str) -> None:
    if accounts.user(name) is None:
        raise _fail(f"no user {escape(repr(name))}; `softstep users list` shows the users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name without spaces; also their runner "
                                             "name, e.g. ana.")],
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Add a user who signs in to `softstep serve --multi-user`."""
    with _accounts(db) as accounts:
        if accounts.user(name) is not None:
            raise _fail(f"user {escape(repr(name))} exists already; `softstep users passwd "
                        f"{escape(name)}` sets a new password")
        added = accounts.create_user(name, _new_password(name, password_stdin))
    out.print(f"added user {escape(added)}; they sign in at /login of "
              "`softstep serve --multi-user`", soft_wrap=True)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List the users, their runs, and who shares runs with whom."""
    from collections import Counter

    from rich.table import Table

    with _accounts(db) as accounts:
        found = accounts.users()
        runs_by_runner = Counter(row.runner for row in accounts.store.runs())
        table = Table("user", "runner", "runs", "shares runs with", "athletes (share with them)")
        for user in found:
            table.add_row(user.name, user.runner, str(runs_by_runner[user.runner]),
                          ", ".join(u.name for u in accounts.coaches(user.name)) or "-",
                          ", ".join(u.name for u in accounts.athletes(user.name)) or "-")
    if not found:
        out.print("No users yet. Add one: softstep users add NAME")
        return
    out.print(table)


@users_app.command("share")
def users_share(
    athlete: Annotated[str, typer.Argument(help="The user whose runs are shared.")],
    coach: Annotated[str, typer.Argument(help="The user who may then read them.")],
    db: DbOption = None,
) -> None:
    """Let COACH read the runs of ATHLETE (read only: a coach never changes or deletes them)."""
    with _accounts(db) as accounts:
        accounts.share(athlete, coach)
    out.print(f"{escape(athlete)} shares their runs with {escape(coach)} "
              f"(who sees them at /runs?runner={escape(athlete)})", soft_wrap=True)


@users_app.command("unshare")
def users_unshare(
    athlete: Annotated[str, typer.Argument(help="The user whose runs were shared.")],
    coach: Annotated[str, typer.Argument(help="The user who may no longer read them.")],
    db: DbOption = None,
) -> None:
    """Stop letting COACH read the runs of ATHLETE."""
    with _accounts(db) as accounts:
        was_shared = any(u.name == coach for u in accounts.coaches(athlete))
        accounts.unshare(athlete, coach)
    state = "no longer shares" if was_shared else "was not sharing"
    out.print(f"{escape(athlete)} {state} their runs with {escape(coach)}", soft_wrap=True)


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="The user whose password is reset.")],
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Set a new password for a user (no old password needed) and sign them out everywhere."""
    with _accounts(db) as accounts:
        _known_user(accounts, name)
        accounts.set_password(name, _new_password(name, password_stdin))
    out.print(f"new password set for {escape(name)}; their signed-in sessions were ended",
              soft_wrap=True)


@users_app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument(help="The user to remove.")],
    delete_runs: Annotated[bool, typer.Option(
        "--delete-runs", help="Also delete every run of their runner (default: the runs stay "
        "under runner NAME).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Remove a user, their sessions and their shares; their runs stay unless --delete-runs."""
    with _accounts(db) as accounts:
        _known_user(accounts, name)
        runner = accounts.user(name).runner
        run_count = len(accounts.store.runs(runner))
        runs_part = f" and delete the {run_count} runs of runner {runner}" if delete_runs else ""
        if not yes and not typer.confirm(f"Remove user {name}{runs_part}?", default=False):
            err.print("nothing was removed")
            raise typer.Exit(1)
        deleted = accounts.remove_user(name, delete_runs=delete_runs)
    if delete_runs:
        what = f" and deleted their {deleted} runs"
    else:
        what = (f"; their {run_count} runs stay under runner {escape(runner)} "
                f"(`softstep analyze --runner {escape(runner)}` still reaches them)")
    out.print(f"removed user {escape(name)}{what}", soft_wrap=True)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
