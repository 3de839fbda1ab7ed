"""The winlas command: migrate, demo-data, create-user."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.db import MIGRATIONS as ANALYTICS_MIGRATIONS
from analytics.models import Event, Visit
from winlas_site import db
from winlas_site.auth.models import User
from winlas_site.products.models import Product


def test_demo_data_loads_once(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0 and "loaded" in result.output
    with app.app_context():
        count = Product.select().count()
        assert count >= 4
        assert User.by_email("marknad@winlas.se").role == "marketer"
    result = runner.invoke(args=["demo-data"])
    assert "nothing loaded" in result.output
    with app.app_context():
        assert Product.select().count() == count


def test_migrate_reports_nothing_pending_on_a_migrated_database(runner):
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0 and "applied 0 migration(s)" in result.output


def test_create_user_with_a_role(app, runner):
    result = runner.invoke(
        args=["create-user", "Ny@WinLas.se", "--role", "staff", "--password", "ett-långt-lösenord"]
    )
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        user = User.by_email("ny@winlas.se")
        assert user.role == "staff" and user.check_password("ett-långt-lösenord")


def test_create_user_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-user", "fraga@winlas.se"], input="hemligt-lösenord\nhemligt-lösenord\n"
    )
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        assert User.by_email("fraga@winlas.se").check_password("hemligt-lösenord")


def test_create_user_refuses_a_duplicate_and_a_short_password(runner):
    assert runner.invoke(args=["create-user", "a@winlas.se", "--password", "kort"]).exit_code != 0
    runner.invoke(args=["create-user", "a@winlas.se", "--password", "långt-nog-lösenord"])
    result = runner.invoke(args=["create-user", "A@winlas.se", "--password", "långt-nog-lösenord"])
    assert result.exit_code != 0 and "already exists" in result.output


@pytest.mark.parametrize(
    "email",
    [
        "ny@winlas.test",  # a special-use domain: the login form refuses it
        "ｎｙ@winlas.se",  # fullwidth letters
        "n\u0443@winlas.se",  # a Cyrillic у
        "ny@winl\u0430s.se",  # a Cyrillic а in the domain
        "inte-en-adress",
    ],
)
def test_create_user_refuses_what_the_login_form_refuses(app, runner, email):
    result = runner.invoke(args=["create-user", email, "--password", "ett-långt-lösenord"])
    assert result.exit_code != 0 and "not an address the site accepts" in result.output
    with app.app_context():
        assert User.select().count() == 0


def test_a_user_the_cli_creates_can_log_in_through_the_form(app, runner):
    from tests.conftest import AuthActions

    result = runner.invoke(
        args=["create-user", "Ny@Åkersberga.se", "--password", "ett-långt-lösenord"]
    )
    assert result.exit_code == 0 and "<ny@åkersberga.se>" in result.output
    login = AuthActions(app.test_client()).login("ny@xn--kersberga-42a.se", "ett-långt-lösenord")
    assert login.status_code == 302


def test_the_console_script_migrates_and_loads_an_empty_instance(tmp_path):
    # the real entry point, configured only by the environment, as `make run` uses it.
    winlas = str(Path(sys.executable).with_name("winlas"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINLAS_")}
    env.pop("DATABASE_URL", None)
    env.update(WINLAS_INSTANCE_PATH=str(tmp_path / "instance"))

    def run(*args):
        return subprocess.run(
            [winlas, *args], env=env, capture_output=True, text=True, check=True
        ).stdout

    site = sorted(p.stem for p in Path(db.MIGRATIONS).glob("[0-9]*.py"))
    own = sorted(p.stem for p in Path(ANALYTICS_MIGRATIONS).glob("[0-9]*.py"))
    expected = [f"winlas_site:{name}" for name in site] + [f"analytics:{name}" for name in own]
    assert "analytics:0001_initial" in expected
    assert run("migrate").strip() == f"applied {len(expected)} migration(s): " + ", ".join(expected)
    assert run("demo-data").startswith("loaded ")
    assert "nothing loaded" in run("demo-data")
    assert (tmp_path / "instance" / "winlas.db").exists()
    assert len((tmp_path / "instance" / "secret_key").read_text()) == 64
    assert "applied 0 migration(s)" in run("migrate")


def test_the_demo_traffic_looks_real_on_the_dashboard_and_names_only_pages_of_the_demo(
    app, runner, client
):
    # issue 11: the demo once showed every page with ~530 views, every visitor once
    from analytics import clock, reports, synthetic

    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        period = reports.Period.parse("90d", None, None, clock.now().date())
        everything = reports.Filters()
        summary = reports.summary(period, everything)
        assert summary.visitors < 0.8 * summary.visits
        pages = reports.table("page", period, everything)
        assert pages[0].key == "/" and pages[0].pageviews > 5 * pages[len(pages) // 2].pageviews
        campaigns = {row.key: row for row in reports.table("campaign", period, everything)}
        assert "bibliotekssystem" in campaigns and sum(r.conversions for r in campaigns.values())
        entries = {row.key: row for row in reports.table("entry", period, everything)}
        assert entries["/produkter/winlas-bibliotek"].conversions > 0
        assert len(reports.table("browser", period, everything)) >= 5
        assert len(reports.table("screen", period, everything)) >= 10
        bounce = [row.bounce_rate for row in reports.table("source", period, everything)]
        assert max(bounce) - min(bounce) > 0.1
        # the daily conversions report (the site's own leads) tells the traffic's story too
        from analytics.models import Event
        from winlas_site.dashboard_data import site_series

        # from before the traffic's first day: every lead, not only those of the last 90 days
        series = site_series(period.first - datetime.timedelta(days=7), period.last)
        leads = sum(sum(series[name].values()) for name in ("contact", "quote", "demo"))
        forms = Event.select().where(
            (Event.type == "conversion") & Event.name.in_(["contact", "quote", "demo"])
        )
        assert leads == forms.count() > 0
    for path in synthetic.PAGES:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"visit": {"id": 1}, "events": []}\nnot json\n', "line 2 is not JSON"),
        ("[1, 2]\n", "line 1 is not a visit of export-events"),
        ('{"visit": {"id": 1}, "events": "x"}\n', "line 1 is not a visit of export-events"),
        ('{"visit": {"id": 1}, "events": []}\n', "lacks a field or has one of the wrong type"),
    ],
)
def test_import_events_refuses_a_bad_file_clearly_and_stores_nothing_of_it(
    app, runner, tmp_path, content, message
):
    source = tmp_path / "events.jsonl"
    source.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["analytics", "import-events", str(source)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert Visit.select().count() == 0 and Event.select().count() == 0
