"""A progressive retraining plan built from the findings (SCIENCE.md §2 and metric spec item 14).

``build_plan(findings, summary) -> Plan`` is pure and deterministic.

Structure
---------
- **Cadence** (when a finding is one cadence helps: low cadence, overstriding, heel striking,
  bouncing, hard impact): weekly metronome targets from the measured cadence: +5 % for weeks
  1-3, +7.5 % for weeks 4-5 (Willy 2016), +10 % for weeks 6-8 (Heiderscheit 2011), each step
  taken only once the current target feels comfortable (SCIENCE.md §2). A runner already at
  >= 175 spm (Garmin 70th percentile, §6) stays at +5 %; no target goes above 190 spm.
- **Quiet running** (hard impact, heel striking, overstriding, loud landings): the Davis-lab
  protocol, 8
  sessions over 2 weeks, 15 -> 30 min, continuous feedback in sessions 1-4 then faded, then a
  retention check with no feedback and a verbal recall cue (SCIENCE.md §2, spec item 14).
  Metronome checks then fade: every 500 m, every 1 km, alternate runs, as needed (§2).
- **Strength**: squats, lunges, calf raises with sets, reps and a progression; single-leg
  variants when asymmetry was found.
- **Cues** and **gear** (shoes, surface), each honest about the evidence (SCIENCE.md §3 caveat).
- Without findings: a 2-week maintenance plan (hold cadence, strength twice a week, cues).

Every item's ``answers`` lists the found codes it addresses (empty in a maintenance plan).

Example
-------
>>> from softstep.model import Summary
>>> plan = build_plan([], Summary(cadence_spm=170.0))
>>> len(plan.weeks), plan.weeks[0].cadence_target_spm
(2, 170.0)
"""

from __future__ import annotations

from softstep.model import Finding, Plan, PlanItem, PlanWeek, Summary

CADENCE_CODES = ("low_cadence", "overstriding", "heel_striking", "bouncing", "hard_impact")
QUIET_CODES = ("hard_impact", "heel_striking", "overstriding", "loud_landings")
QUIET_TARGET_DB = 3.0  # SCIENCE.md metric spec 5: target a >= 3 dB (≈ 30 %) quieter footfall
HIGH_BASELINE_SPM = 175.0  # SCIENCE.md §6 Garmin gauge: >= 174 spm is the top 30 %
MAX_TARGET_SPM = 190.0
# (first week, last week, increase over baseline); SCIENCE.md §2: +5 % first, then +7.5 %
# (Willy 2016), then +10 % (Heiderscheit 2011)
CADENCE_STEPS = ((1, 3, 0.05), (4, 5, 0.075), (6, 8, 0.10))
QUIET_MINUTES = (15, 17, 19, 21, 23, 25, 27, 30)  # 8 sessions, 15 -> 30 min (SCIENCE.md §2)
FADE_SCHEDULE = {  # SCIENCE.md §2: a clinic's faded schedule (practice, not evidence)
    3: "check your cadence against the metronome every 500 m",
    4: "check every 1 km",
    5: "check every 1 km on alternate runs",
}


def _answers(codes: tuple[str, ...], found: set[str]) -> list[str]:
    return [c for c in codes if c in found]


def _target(baseline: float | None, increase: float) -> float | None:
    if baseline is None:
        return None
    if baseline >= HIGH_BASELINE_SPM:
        increase = min(increase, 0.05)
    target = baseline * (1 + increase)
    if target > MAX_TARGET_SPM:
        target = max(baseline, MAX_TARGET_SPM)
    return float(round(target))


def _cadence_item(week: int, target: float | None, increase: float, found: set[str]) -> PlanItem:
    if target is None:
        detail = (
            "Count your steps for 30 s and double it, then set a metronome "
            f"{increase * 100:g} % higher and match it."
        )
    else:
        detail = f"Run with a metronome at {target:.0f} steps/min and match its beat."
    fade = FADE_SCHEDULE.get(week) or ("only as needed" if week >= 6 else "for the whole run")
    return PlanItem(
        kind="cadence",
        title=f"Metronome run (+{increase * 100:g} %)",
        detail=f"{detail} Easy pace; {fade}. Move up only once this target feels comfortable.",
        answers=_answers(CADENCE_CODES, found),
        minutes=30.0,
        target_spm=target,
        progression="+5 % -> +7.5 % -> +10 %, one step when the current one feels easy",
    )


def _quiet_session(n: int, found: set[str]) -> PlanItem:
    continuous = n <= 4
    feedback = (
        "listen to your footfalls the whole time and make them as quiet as you can"
        if continuous
        else "listen for your footfalls only in the first and last 5 minutes (faded feedback)"
    )
    target = ""
    if "loud_landings" in found:
        target = (
            f" Target: footfalls at least {QUIET_TARGET_DB:g} dB quieter than your baseline "
            "(about 30 % less sound; SCIENCE.md metric spec 5). Record with the phone in the "
            "same place, on the same surface, at the same pace, and `softstep analyze` the "
            "recording: its quiet score is the share of footfalls that reach the target."
        )
    return PlanItem(
        kind="quiet_run",
        title=f"Quiet-running session {n} of 8",
        detail=f"Easy run on a smooth, consistent surface: {feedback}. Keep your usual pace."
        + target,
        answers=_answers(QUIET_CODES, found),
        minutes=float(QUIET_MINUTES[n - 1]),
    )


def _retention(found: set[str], final: bool) -> PlanItem:
    return PlanItem(
        kind="quiet_run",
        title="Retention check" + (" (end of plan)" if final else ""),
        detail="Run 20 minutes with no metronome and no listening. Before you start, tell "
        "yourself: 'run like the end of the program'. Record it and analyse it with softstep "
        "to compare with this run at the same speed.",
        answers=_answers(QUIET_CODES + CADENCE_CODES, found),
        minutes=20.0,
    )


def _strength(found: set[str]) -> list[PlanItem]:
    asym = "asymmetry" in found
    codes = ("fading_form", "asymmetry", "hard_impact", "overstriding", "heel_striking")
    items = [
        PlanItem(
            kind="strength",
            title="Single-leg squat to a box" if asym else "Squats",
            detail=("Sit back to a box on one leg and stand up, knee over the toes; start with "
                    "the weaker side and do the same reps on both."
                    if asym else "Bodyweight squats to a comfortable depth, knees over the toes."),
            answers=_answers(codes, found),
            sets=3,
            reps="8 per leg" if asym else "10",
            progression="twice a week; +2 reps a week up to 15, then add load (a backpack or "
            "dumbbells) and drop back to 8",
        ),
        PlanItem(
            kind="strength",
            title="Bulgarian split squats" if asym else "Lunges",
            detail=("Rear foot on a bench, lower until the back knee nearly touches the floor."
                    if asym else "Step forward and lower until both knees are near 90°."),
            answers=_answers(codes, found),
            sets=3,
            reps="8 per leg",
            progression="twice a week; +2 reps a week up to 12 per leg, then hold weights",
        ),
        PlanItem(
            kind="strength",
            title="Single-leg calf raises" if asym else "Calf raises",
            detail="On a step, rise onto the toes and lower slowly (3 s down). Calves and "
            "Achilles absorb more of each landing when steps get quicker and land under you.",
            answers=_answers(codes, found),
            sets=3,
            reps="12 per leg" if asym else "15",
            progression="twice a week; both legs -> single leg -> single leg with weight",
        ),
    ]
    return items


def _cues(found: set[str]) -> list[PlanItem]:
    return [
        PlanItem("cue", "Land under your hips",
                 "Let the foot come down beneath you rather than reaching forward.",
                 _answers(("overstriding", "heel_striking", "hard_impact"), found)),
        PlanItem("cue", "Quick, light steps",
                 "Think of the ground as hot: short, quick, quiet steps.",
                 _answers(("low_cadence", "hard_impact", "bouncing", "heel_striking",
                           "loud_landings"), found)),
        PlanItem("cue", "Run tall and relaxed",
                 "Head up, shoulders loose, push the ground away rather than jumping up.",
                 _answers(("bouncing", "fading_form"), found)),
        PlanItem("cue", "Shin near vertical at landing",
                 "As the foot touches down the shin should be close to upright, not angled "
                 "forward (SCIENCE.md §2, §4: Lieberman 2015, Van den Berghe 2022).",
                 _answers(("overstriding", "heel_striking", "hard_impact"), found)),
    ]


def _gear(found: set[str]) -> list[PlanItem]:
    return [
        PlanItem(
            "shoes",
            "Keep your usual shoes",
            "Do not switch abruptly to minimal shoes or force a forefoot landing: changing "
            "foot strike moves load to the calf and Achilles and has not been shown to prevent "
            "injury (SCIENCE.md §3). Let a quicker cadence change your landing gradually.",
            _answers(("heel_striking", "hard_impact", "overstriding"), found),
        ),
        PlanItem(
            "surface",
            "Softer, consistent surfaces for the drills",
            "Do quiet-running and metronome sessions on a track, packed trail or treadmill: "
            "the same surface each time lets you hear (and softstep measure) the change.",
            _answers(("hard_impact", "heel_striking"), found),
        ),
    ]


def _maintenance(baseline: float | None) -> list[PlanWeek]:
    weeks = []
    for week in (1, 2):
        item = PlanItem(
            kind="cadence",
            title="Cadence check",
            detail=(f"On one easy run, check for a minute that you are near {baseline:.0f} "
                    "steps/min." if baseline else "On one easy run, count your steps for 30 s "
                    "and double it, to know your baseline."),
            minutes=30.0,
            target_spm=baseline,
        )
        weeks.append(PlanWeek(week, baseline, "Maintain: your numbers look healthy", [item]))
    return weeks


def build_plan(findings: list[Finding], summary: Summary) -> Plan:
    """A weekly plan answering ``findings`` from the measured cadence in ``summary``.

    Returns a Plan with ``weeks`` (cadence targets and sessions), ``strength``, ``cues`` and
    ``gear``. No findings -> a 2-week maintenance plan whose items answer nothing.
    """
    baseline = summary.cadence_spm
    baseline = float(round(baseline, 1)) if baseline is not None else None
    found = {f.code for f in findings}
    if not found:
        return Plan(baseline, _maintenance(baseline), _strength(set()), _cues(set()), _gear(set()))

    cadence = bool(found & set(CADENCE_CODES))
    quiet = bool(found & set(QUIET_CODES))
    weeks: list[PlanWeek] = []
    n_weeks = 8 if cadence else 6
    for week in range(1, n_weeks + 1):
        sessions: list[PlanItem] = []
        if cadence:
            increase = next(inc for lo, hi, inc in CADENCE_STEPS if lo <= week <= hi)
            target = _target(baseline, increase)
            sessions.append(_cadence_item(week, target, increase, found))
            focus = f"Cadence +{increase * 100:g} %"
        else:
            target = baseline
            focus = ("Hold your form late in runs" if "fading_form" in found
                     else "Keep your cadence steady")
            sessions.append(
                PlanItem(
                    kind="cadence",
                    title="Hold your cadence in the last third",
                    detail=("Run with a metronome at your usual "
                            f"{baseline:.0f} steps/min for the last third of one run."
                            if baseline else "In the last third of one run, keep the same "
                            "step rhythm you had at the start."),
                    answers=_answers(("fading_form",), found),
                    minutes=40.0,
                    target_spm=baseline,
                )
            )
        if quiet and week in (1, 2):
            sessions.extend(_quiet_session(n, found) for n in range(4 * week - 3, 4 * week + 1))
            focus += ", quiet running " + ("(continuous feedback)" if week == 1 else "(faded)")
        if quiet and week == 3:
            sessions.append(_retention(found, final=False))
            focus += ", retention check"
        if week == n_weeks:
            sessions.append(_retention(found, final=True))
        sessions.append(
            PlanItem(
                kind="strength",
                title="Strength x2",
                detail="Do the strength exercises twice this week (see the strength list).",
                answers=_answers(
                    ("fading_form", "asymmetry", "hard_impact", "overstriding", "heel_striking"),
                    found,
                ),
            )
        )
        weeks.append(PlanWeek(week, target, focus, sessions))
    return Plan(baseline, weeks, _strength(found), _cues(found), _gear(found))
