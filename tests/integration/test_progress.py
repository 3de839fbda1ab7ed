"""Long commands say how far they are on a terminal and keep logs clean elsewhere (issue 11, 4).

Click's test runner is not a terminal: there every command prints its one result line and not
a byte of a bar. ``--progress`` forces the bar (as a terminal would get it): on stderr, with
the count, and the result still alone on stdout. ``--quiet`` wins over a terminal and over
``--progress``.
"""

from __future__ import annotations

import json

import pytest

from analytics import progress
from analytics.synthetic import synthetic_lines

BAR_MARKS = ("\r", "\x1b", "[#", "%")


def assert_clean(result, result_start: str) -> None:
    assert result.exit_code == 0, result.output
    for mark in BAR_MARKS:
        assert mark not in result.output, (mark, result.output)
    assert result.output.startswith(result_start)


def assert_bar(result, label: str, result_start: str, finished: bool = True) -> None:
    assert result.exit_code == 0, result.output
    assert label in result.stderr and "\r" in result.stderr and "[---" in result.stderr
    assert "100%" in result.stderr or not finished
    assert result.stdout.startswith(result_start)
    for mark in BAR_MARKS:
        assert mark not in result.stdout


@pytest.fixture
def traffic(app, runner):
    """A few days of synthetic traffic in the database, through the command."""
    result = runner.invoke(args=["analytics", "generate", "--events", "1500", "--days", "5"])
    assert_clean(result, "generated 1500 event(s) over 5 day(s)")


def test_generate_shows_no_bar_off_a_terminal_and_the_count_with_progress(app, runner):
    assert_clean(
        runner.invoke(args=["analytics", "generate", "--events", "800", "--days", "3"]),
        "generated 800 event(s) over 3 day(s)",
    )
    result = runner.invoke(
        args=[
            "analytics",
            "generate",
            "--events",
            "700",
            "--days",
            "3",
            "--seed",
            "2",
            "--progress",
        ]
    )
    assert_bar(result, "generating events", "generated 700 event(s)")
    assert "700/700" in result.stderr and "events/s" in result.stderr


def test_quiet_keeps_even_a_forced_terminal_without_a_bar(app, runner):
    result = runner.invoke(
        args=["analytics", "generate", "--events", "300", "--days", "2", "-q", "--progress"]
    )
    assert_clean(result, "generated 300 event(s)")
    assert not progress.wanted(quiet=True, stream=_Tty())
    assert progress.wanted(quiet=False, stream=_Tty())
    assert not progress.wanted(quiet=False, stream=_NotTty())


def test_rollup_and_its_rebuild_count_days(app, runner, traffic):
    assert_clean(runner.invoke(args=["analytics", "rollup"]), "rolled up ")
    result = runner.invoke(args=["analytics", "rollup", "--rebuild", "--progress"])
    assert_bar(result, "rolling up days", "rolled up ")
    days = int(result.stdout.split()[2])
    assert days >= 5 and f"{days}/{days}" in result.stderr
    assert_clean(runner.invoke(args=["analytics", "rollup", "--rebuild"]), "rolled up ")


def test_profiles_rebuild_counts_event_ids(app, runner, traffic):
    assert_clean(runner.invoke(args=["analytics", "profiles", "--rebuild"]), "folded ")
    result = runner.invoke(args=["analytics", "profiles", "--rebuild", "--progress"])
    # PostgreSQL folds only ids seen a few seconds before (profiles._ceiling): maybe none yet
    assert_bar(result, "folding events", "folded ", finished=False)


def test_replay_counts_segments(app, runner):
    state = app.extensions["analytics"]
    for batch in (synthetic_lines(60, 1, seed=5), synthetic_lines(40, 1, seed=6)):
        for line in batch:
            state.spool.append(json.dumps(line))
        state.spool.rotate()
    result = runner.invoke(args=["analytics", "replay", "--progress"])
    assert_bar(result, "storing spooled segments", "replayed 100 event(s)")
    assert "2/2" in result.stderr
    state.spool.append(json.dumps(synthetic_lines(10, 1, seed=7)[0]))
    state.spool.rotate()
    assert_clean(runner.invoke(args=["analytics", "replay"]), "replayed ")


def test_retention_run_counts_its_parts(app, runner):
    assert_clean(runner.invoke(args=["retention", "run"]), "reminders_sent=0")
    result = runner.invoke(args=["retention", "run", "--progress"])
    assert_bar(result, "retention", "reminders_sent=0")
    assert "8/8" in result.stderr


def test_a_bar_reports_a_total_learnt_late_and_never_goes_back(capsys):
    with progress.bar("work", "items", force=True) as report:
        report(3, 10)
        report(2, 10)  # a late, smaller report does not move the bar back
        report(12, 12)  # the total grew once the work knew more
    drawn = capsys.readouterr().err
    assert "12/12" in drawn and "100%" in drawn
    with progress.bar("work", "items") as report:  # pytest's capture is no terminal
        report(1, 2)
    assert capsys.readouterr().err == ""


class _Tty:
    def isatty(self) -> bool:
        return True


class _NotTty:
    def isatty(self) -> bool:
        return False
