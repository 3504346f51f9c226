"""Text and HTML reports, including a headless-Chromium check that the plots are drawn."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs
from rich.console import Console

from softstep import Runner, sample_path
from softstep.model import FileAnalysis
from softstep.pipeline import analyze_file
from softstep.report import figures
from softstep.report import format as fmt
from softstep.report.html import render_html, write_html
from softstep.report.text import print_report

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def sample() -> FileAnalysis:
    return analyze_file(sample_path(), Runner(height_cm=178, mass_kg=70))


def text_of(analysis: FileAnalysis) -> str:
    console = Console(file=StringIO(), width=120, color_system=None)
    print_report(analysis, console)
    return console.file.getvalue()


def test_format_shows_display_units():
    assert fmt.show("contact_s", 0.2359) == "236 ms"
    assert fmt.show("speed_m_per_s", 1000 / 303) == "5:03 /km"
    assert fmt.show("duration_s", 3725) == "1:02:05"
    assert fmt.show("vertical_oscillation_cm", float("nan")) == fmt.MISSING
    assert fmt.show("cadence_spm", 1.4, signed=True) == "+1 steps/min"


def test_text_report_shows_summary_findings_per_km_and_plan(sample):
    text = text_of(sample)
    run = sample.runs[0]
    assert f"{run.summary.cadence_spm:.0f} steps/min" in text
    assert f"{run.summary.contact_s * 1000:.0f} ms" in text
    assert "Leg stiffness" in text  # height and mass were given
    for finding in run.findings:
        assert finding.title in text
    assert "Per kilometre" in text
    assert re.search(r"^\W*9\W+\d:\d\d\W+\d{3}\W", text, re.M), "km 9 row missing"
    target = run.plan.weeks[0].cadence_target_spm
    assert f"{target:.0f}" in text
    assert "Squats" in text


def test_text_report_of_a_healthy_run_says_so(sample):
    run = sample.runs[0]
    healthy = FileAnalysis(sample.path, [type(run)(**{**vars(run), "findings": []})])
    assert "No cause of hard landing stands out" in text_of(healthy)


def test_html_is_self_contained_and_complete(sample):
    page = render_html(sample)
    assert get_plotlyjs() in page
    ours = page.replace(get_plotlyjs(), "")
    assert not re.search(r"""(src|href)=["']?https?:""", ours), "the page must load nothing"
    assert "cdn.plot.ly" not in ours
    assert page.count('class="plotly-graph-div"') == 2  # over time, against speed
    run = sample.runs[0]
    assert run.findings[0].title in page
    assert "Per kilometre" in page and page.count("<tr>") > 10
    assert "Squats" in page and "Calf raises" in page
    assert f"{run.plan.weeks[-1].cadence_target_spm:.0f}" in page


def test_html_escapes_what_comes_from_the_file(sample):
    hostile = "<script>alert('x')</script>"
    analysis = FileAnalysis(hostile, sample.runs, warnings=[hostile])
    page = render_html(analysis)
    assert hostile not in page
    assert "&lt;script&gt;alert(" in page


def test_figures_plot_only_what_the_file_has(shared_data):
    gpx = analyze_file(shared_data / "tcx_gpx" / "gpx" / "stopped_example.gpx", Runner()).runs[0]
    table = figures.running_table(gpx)
    assert figures.plotted_metrics(table) == ["cadence_spm"]
    assert len(figures.over_time(gpx, table).data) == 2
    no_cadence = analyze_file(shared_data / "tcx_gpx" / "gpx" / "run.gpx", Runner()).runs[0]
    assert figures.over_time(no_cadence) is None
    page = render_html(FileAnalysis("run.gpx", [no_cadence]))
    assert "no cadence, contact time or vertical oscillation to plot" in page


def test_figures_thin_long_runs_but_keep_the_whole_time_span(shared_data):
    multisport = shared_data / "fit" / "activity-large-fenxi2-multisport.fit"
    run = max(analyze_file(multisport, Runner()).runs, key=lambda r: len(r.recording.records))
    fig = figures.over_time(run)
    x = fig.data[0].x
    assert len(x) <= figures.MAX_POINTS
    assert x[-1] == pytest.approx(run.recording.records["t_s"].iloc[-1] / 60, abs=0.5)


def test_write_html_is_atomic(sample, tmp_path, monkeypatch):
    target = tmp_path / "sub" / "report.html"
    write_html(sample, target)
    first = target.read_bytes()
    assert first.startswith(b"<!DOCTYPE html>")

    def broken(_analysis):
        raise RuntimeError("render failed")

    monkeypatch.setattr("softstep.report.html.render_html", broken)
    with pytest.raises(RuntimeError):
        write_html(sample, target)
    assert target.read_bytes() == first
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


@pytest.mark.browser
def test_html_report_draws_its_plots_in_chromium(sample, tmp_path, chromium):
    page_path = write_html(sample, tmp_path / "report.html")
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    try:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        requests: list[str] = []
        page.on("request", lambda req: requests.append(req.url))
        page.goto(page_path.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        plots = page.locator(".js-plotly-plot")
        assert plots.count() == 2
        # every plot drew its data: one line path per trace at least
        for i in range(plots.count()):
            assert plots.nth(i).locator(".scatterlayer .trace").count() >= 2
        assert errors == []
        assert all(url.startswith(("file:", "data:", "about:")) for url in requests)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        page.close()
