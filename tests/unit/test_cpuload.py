"""The writer's gauge of how busy the processors were (analytics.cpuload)."""

import pytest

from analytics import cpuload
from analytics.cpuload import CpuGauge


def stat(path, user, idle, iowait=0, system=0):
    path.write_text(
        f"cpu  {user} 0 {system} {idle} {iowait} 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"
    )


@pytest.fixture
def own_time(monkeypatch):
    """The process's own CPU seconds, as the test sets them."""
    clock = {"now": 0.0}
    monkeypatch.setattr(cpuload.time, "process_time", lambda: clock["now"])
    return clock


def test_the_idle_share_is_of_the_time_since_the_last_look(tmp_path, own_time):
    path = tmp_path / "stat"
    stat(path, user=1000, idle=1000)
    gauge = CpuGauge(path)
    stat(path, user=1090, idle=1010)  # 100 ticks passed, 10 of them idle
    assert gauge.idle_share() == pytest.approx(0.1)
    stat(path, user=1100, idle=1100, iowait=10)  # waiting for a disk counts as idle
    assert gauge.idle_share() == pytest.approx(100 / 110)


def test_busy_is_less_than_a_fifth_idle_and_the_writers_own_work_does_not_count(tmp_path, own_time):
    path = tmp_path / "stat"
    stat(path, user=0, idle=0)
    gauge = CpuGauge(path)
    stat(path, user=90, idle=10)
    assert gauge.busy()
    # the next 100 ticks: 60 of them the writer's own storing, 30 other work, 10 idle
    own_time["now"] = 60 / gauge.tick
    stat(path, user=180, idle=20)
    assert not gauge.busy()


@pytest.mark.parametrize("content", [None, "", "intr 1 2 3\n", "cpu  a b c d e\n", "cpu  1 2\n"])
def test_without_a_readable_proc_stat_the_writer_never_waits(tmp_path, own_time, content):
    path = tmp_path / "stat"
    if content is not None:
        path.write_text(content)
    gauge = CpuGauge(path)
    assert gauge.idle_share() is None and not gauge.busy()
