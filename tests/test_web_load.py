"""Concurrent uploads through a real uvicorn server on loopback, on SQLite and PostgreSQL: every
upload is answered 201 or 200 (duplicate), and each distinct file ends as exactly one stored
file with its runs, none lost or duplicated, whichever of its uploads won the race.

The small version of benchmarks/bench_web_load.py (same functions), about 12 uploads at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_store import any_db_url  # noqa: F401  (fixture: SQLite, plus PostgreSQL when set)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_web_load import (  # noqa: E402
    Outcome,
    Upload,
    answer_problems,
    run_load,
    upload_plan,
)

import softstep.pipeline  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Small readable running files; the first two hold the same bytes under two names.
SMALL_FILES = [
    "fit/garmin-fenix-5-run.fit",
    "tcx_gpx/fit/garmin-fenix-5-basic.fit",
    "fit/compressed-speed-distance.fit",
    "fit/antfs-dump.63.fit",
    "tcx_gpx/gpx/nike_run.gpx",
    "tcx_gpx/tcx/basic.tcx",
]
N_UPLOADS = 12


def test_concurrent_uploads_store_each_file_once(any_db_url, shared_data,  # noqa: F811
                                                 monkeypatch):
    uploads = upload_plan([shared_data / name for name in SMALL_FILES], N_UPLOADS)
    distinct = {u.sha256 for u in uploads}
    assert len(uploads) == N_UPLOADS and len(distinct) == len(SMALL_FILES) - 1
    analysed: list[str] = []
    real_analyze = softstep.pipeline.analyze_file

    def counting_analyze(path, *args, **kwargs):  # noqa: ANN001, ANN202
        analysed.append(Path(path).name)
        return real_analyze(path, *args, **kwargs)

    monkeypatch.setattr(softstep.pipeline, "analyze_file", counting_analyze)

    report = run_load("test", any_db_url, uploads)

    assert report.problems == [], "\n".join(report.lines())
    statuses = [o.status for o in report.outcomes]
    assert statuses.count(201) == len(distinct) and statuses.count(200) == N_UPLOADS - len(distinct)
    assert report.files_stored == len(distinct)
    assert report.runs_stored == len(distinct)  # each of these files holds one run
    ids_by_content = {}
    for o in report.outcomes:
        assert ids_by_content.setdefault(o.upload.sha256, o.ids) == o.ids
    assert len({i for ids in ids_by_content.values() for i in ids}) == len(distinct)
    # uploads of one file at the same time wait for the first: each file is analysed once
    assert len(analysed) == len(distinct), sorted(analysed)


def _outcome(upload: Upload, status: int, ids: list[int]) -> Outcome:
    body = {"id": ids[0], "ids": ids, "duplicate": status == 200, "warnings": []}
    return Outcome(upload, status=status, body=body, text=str(body), latency_s=0.1)


def test_the_checks_see_a_lost_race_a_split_and_a_lock():
    """The load test's checks are not blind: two 201s for one file, different ids for one
    file, and a 422 that says the database is locked are each reported."""
    one, other = Upload("a.fit", b"a", "hash-a"), Upload("b.fit", b"b", "hash-b")
    assert answer_problems([_outcome(one, 201, [1]), _outcome(one, 200, [1])]) == []

    twice = answer_problems([_outcome(one, 201, [1]), _outcome(one, 201, [2])])
    assert any("2 uploads answered 201" in p for p in twice)
    assert any("different run ids" in p for p in twice)

    locked = Outcome(other, status=422, text='{"detail": "database is locked"}')
    problems = answer_problems([_outcome(one, 201, [1]), locked])
    assert any("HTTP 422" in p for p in problems)
    assert any(p.startswith("b.fit: database is locked:") for p in problems)
    assert any("0 uploads answered 201" in p for p in problems)
