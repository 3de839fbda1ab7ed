"""Interest profiles (P17, P19) on SQLite and PostgreSQL: who is profiled, scores with decay,
incremental updates, objection, the marketers' views and CSV segments, and the data-subject
functions of analytics.subjects."""

import csv
import datetime
import io
import random
import time
import uuid

import pytest
import time_machine

from analytics import profiles, reports, rollups, subjects
from analytics.models import Event, Visit
from analytics.profile_models import InterestProfile, InterestScore, ProfileOptOut
from analytics.store import write_lines
from tests.conftest import csrf_from
from tests.geoip import write_test_mmdb

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
T0 = datetime.datetime(2026, 11, 2, 10, 0)
ALICE = "a" * 32
BERIT = "b" * 32


@pytest.fixture
def app_config(app_config, tmp_path):
    return {
        **app_config,
        "GEOIP_DATABASE": str(write_test_mmdb(tmp_path / "test-city.mmdb")),
        # fold at once; test_events_are_folded_once_their_ids_have_settled covers the wait
        "ANALYTICS_PROFILE_SETTLE_SECONDS": 0,
    }


def ms(moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def ev(kind: str, path: str, when: datetime.datetime, target: str = "") -> dict:
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(when), "path": path}
    if kind == "pageview":
        item["ref"] = ["direct", ""]
    elif kind == "click":
        item.update(target=target, name="")
    else:
        item["ms"] = 5000
    return item


def line(visitor: str, events: list[dict], user=None, profiling=True) -> dict:
    found = {
        "r": max(e["ts"] for e in events),
        "v": visitor,
        "u": user,
        "ip": "81.2.69.0",
        "geo": ["SE", "AB", "Stockholm"],
        "ua": ["Chrome", "126", "Windows", "10", "desktop"],
        "events": events,
    }
    if profiling:
        found["p"] = 1
    return found


def scores_of(visitor: str, now=None) -> dict[str, float]:
    return {s.topic: round(s.score, 6) for s in profiles.visitor_scores(visitor, now)}


# scoring --------------------------------------------------------------------------------------


def test_scores_weigh_event_types_and_halve_every_half_life(app):
    with app.app_context():
        write_lines(
            [
                line(
                    ALICE,
                    [
                        ev("pageview", "/produkter/winlas-bibliotek", T0),
                        ev("engagement", "/produkter/winlas-bibliotek", T0),
                        ev("click", "/produkter/winlas-bibliotek", T0, "/kontakt/offert"),
                        ev("pageview", "/", T0),
                    ],
                )
            ]
        )
        assert profiles.update(now=T0) == 2
        assert scores_of(ALICE, T0) == {"produkt:winlas-bibliotek": 1.0, "offert": 3.0}
        with time_machine.travel(T0 + datetime.timedelta(days=30), tick=False):
            assert scores_of(ALICE) == {"produkt:winlas-bibliotek": 0.5, "offert": 1.5}
        with time_machine.travel(T0 + datetime.timedelta(days=60), tick=False):
            assert scores_of(ALICE) == {"produkt:winlas-bibliotek": 0.25, "offert": 0.75}


def test_weights_and_half_life_are_settings(app):
    app.config["ANALYTICS_PROFILE_WEIGHTS"] = {"pageview": 2.0, "click": 0.0}
    app.config["ANALYTICS_PROFILE_HALF_LIFE_DAYS"] = 10
    with app.app_context():
        write_lines(
            [
                line(
                    ALICE,
                    [
                        ev("pageview", "/utbildningar", T0),
                        ev("click", "/utbildningar", T0, "button"),
                    ],
                )
            ]
        )
        profiles.update(now=T0)
        later = T0 + datetime.timedelta(days=10)
        assert scores_of(ALICE, later) == {"utbildning": 1.0}
        # another half-life: the stored scale no longer fits, so everything is read again
        app.config["ANALYTICS_PROFILE_HALF_LIFE_DAYS"] = 20
        profiles.update(now=later)
        assert scores_of(ALICE, later) == {"utbildning": round(2.0 * 0.5**0.5, 6)}


def test_incremental_updates_equal_a_full_recompute_and_the_definition(app):
    rng = random.Random(7)
    paths = ["/produkter/winlas-bibliotek", "/produkter/winlas-skola", "/utbildningar", "/"]
    visitors = [f"{n:032x}" for n in range(1, 6)]
    batches = []
    for day in range(40):
        batch = []
        for visitor in rng.sample(visitors, 3):
            when = T0 + datetime.timedelta(days=day, minutes=rng.randrange(600))
            kind = rng.choice(["pageview", "pageview", "click", "engagement"])
            target = rng.choice(["/utbildningar", "button"]) if kind == "click" else ""
            batch.append(line(visitor, [ev(kind, rng.choice(paths), when, target)]))
        batches.append(batch)
    end = T0 + datetime.timedelta(days=45)
    with app.app_context():
        for batch in batches:
            write_lines(batch)
            profiles.update(now=end)
        incremental = {v: scores_of(v, end) for v in visitors}
        profiles.rebuild(now=end)
        assert {v: scores_of(v, end) for v in visitors} == incremental
        config = profiles.settings()
        for visitor in visitors:
            expected: dict[str, list] = {}
            for event in Event.select().where(Event.visitor_id == visitor):
                topic = profiles.event_topic(event.type, event.path, event.target, config.topics)
                if topic:
                    expected.setdefault(topic, []).append((event.type, event.occurred_at))
            definition = {
                topic: round(profiles.score_at(items, end, config), 6)
                for topic, items in expected.items()
                if profiles.score_at(items, end, config) > 0
            }
            assert incremental[visitor] == pytest.approx(definition)
        assert profiles.update(now=end) == 0  # nothing new: nothing counted twice


def test_events_are_folded_once_their_ids_have_settled(app):
    """With concurrent writers (PostgreSQL) an update folds only ids seen a while ago."""
    app.config["ANALYTICS_PROFILE_SETTLE_SECONDS"] = 120
    with app.app_context(), time_machine.travel(T0, tick=False) as clock:
        write_lines([line(ALICE, [ev("pageview", "/utbildningar", T0)])])
        assert profiles.update() == 0  # seen, not yet settled
        clock.shift(60)
        write_lines([line(BERIT, [ev("pageview", "/utbildningar", T0)])])
        assert profiles.update() == 0
        clock.shift(61)
        assert profiles.update() == 1  # Alice's, seen 121 s ago; Berit's is seen now
        assert [p.visitor_id for p in InterestProfile.select()] == [ALICE]
        clock.shift(121)
        assert profiles.update() == 1
        assert profiles.update() == 0


def test_visits_without_the_profiling_flag_are_never_profiled(app):
    with app.app_context():
        write_lines([line(ALICE, [ev("pageview", "/utbildningar", T0)], profiling=False)])
        assert profiles.update(now=T0) == 0
        assert InterestProfile.select().count() == 0


def test_a_withdrawal_mid_visit_stops_the_whole_visit(app):
    with app.app_context():
        write_lines([line(ALICE, [ev("pageview", "/utbildningar", T0)])])
        later = T0 + datetime.timedelta(minutes=5)
        write_lines([line(ALICE, [ev("pageview", "/utbildningar", later)], profiling=False)])
        assert Visit.select().count() == 1 and Visit.get().profiling is False
        assert profiles.update(now=later) == 0


def test_the_command_folds_new_events(app):
    from analytics.profiles import profiles_command

    with app.app_context():
        write_lines([line(ALICE, [ev("pageview", "/utbildningar", T0)])])
    runner = app.test_cli_runner()
    result = runner.invoke(profiles_command, ["--as-of", "2026-11-02 12:00"])
    assert result.exit_code == 0 and "folded 1 event(s) into 1 profile(s)" in result.output
    result = runner.invoke(profiles_command, [])
    assert "folded 0 event(s)" in result.output
    result = runner.invoke(profiles_command, ["--rebuild", "--as-of", "2026-11-02"])
    assert "folded 1 event(s) into 1 profile(s)" in result.output


# who is profiled, through the collect endpoint ------------------------------------------------


def consent(client, action="accept_all", **fields):
    client.post("/samtycke", data={"action": action, **fields}, headers=ORIGIN)


def collect(client, path="/produkter/winlas-bibliotek", headers=None):
    event = {
        "type": "pageview",
        "url": f"http://localhost{path}",
        "id": str(uuid.uuid4()),
        "ts": int(time.time() * 1000),
    }
    response = client.post(
        "/api/collect",
        json={"events": [event]},
        headers={**ORIGIN, "User-Agent": CHROME, **(headers or {})},
        environ_base={"REMOTE_ADDR": "81.2.69.160"},
    )
    assert response.status_code == 202
    return response


def profiled_visits(app) -> list[bool]:
    with app.app_context():
        return [v.profiling for v in Visit.select().order_by(Visit.id)]


def test_marketing_consent_marks_the_visit_and_it_is_profiled(app, client):
    consent(client)
    collect(client)
    assert profiled_visits(app) == [True]
    with app.app_context():
        profiles.update()
        (profile,) = InterestProfile.select()
        assert profile.visitor_id == client.get_cookie("winlas_vid").value
        assert [s.topic for s in profile.scores] == ["produkt:winlas-bibliotek"]


def test_statistics_only_is_not_profiled(app, client):
    consent(client, "save", statistics="on")
    collect(client)
    assert profiled_visits(app) == [False]
    with app.app_context():
        profiles.update()
        assert InterestProfile.select().count() == 0


@pytest.mark.parametrize("signal", [{"Sec-GPC": "1"}, {"DNT": "1"}])
def test_gpc_or_dnt_is_not_profiled(app, client, signal):
    consent(client)
    collect(client, headers=signal)
    assert profiled_visits(app) == [False]


def test_a_logged_in_user_who_objected_is_not_profiled(app, client, auth, create_user):
    from winlas_site.newsletter.models import Preference

    create_user("kund@exempel.se")
    with app.app_context():
        Preference.for_email("kund@exempel.se").mirror(profiling_objection=True)
    consent(client)
    auth.login("kund@exempel.se")
    collect(client)
    assert profiled_visits(app) == [False]


def test_a_logged_in_user_with_consent_is_profiled_and_linked(app, client, auth, create_user):
    user = create_user("kund@exempel.se")
    consent(client)
    auth.login("kund@exempel.se")
    collect(client, "/utbildningar")
    with app.app_context():
        profiles.update()
        (profile,) = InterestProfile.select()
        assert profile.user_id == user.id
        (item,) = subjects.profile_for_user(user.id)
        assert item["topic"] == "utbildning" and item["label"] == "Utbildningar"
        assert item["score"] == pytest.approx(1.0, abs=0.01)
        assert any("1 gång" in reason for reason in item["reasons"])


# objection ------------------------------------------------------------------------------------


def test_objecting_in_the_preference_centre_deletes_the_profile_and_stops_it(
    app, client, auth, create_user
):
    user = create_user("kund@exempel.se")
    consent(client)
    auth.login("kund@exempel.se")
    collect(client)
    with app.app_context():
        profiles.update()
        assert InterestProfile.select().where(InterestProfile.user_id == user.id).count() == 1
    html = client.get("/installningar").get_data(as_text=True)
    response = client.post(
        "/installningar", data={"csrf_token": csrf_from(html), "object_to_profiling": "y"}
    )
    assert response.status_code == 303
    visitor = client.get_cookie("winlas_vid").value
    with app.app_context():
        assert InterestProfile.select().count() == 0 and InterestScore.select().count() == 0
        assert [v.profiling for v in Visit.select()] == [False]
        assert ProfileOptOut.select().where(ProfileOptOut.visitor_id == visitor).exists()
    # still logged in: the objection is asked at ingest
    collect(client)
    # logged out, same browser, marketing consent: the browser stays opted out
    auth.logout()
    collect(client, "/utbildningar")
    with app.app_context():
        profiles.update()
        assert InterestProfile.select().count() == 0
    # withdrawing the objection lets this browser be profiled again from its next visit
    auth.login("kund@exempel.se")
    html = client.get("/installningar").get_data(as_text=True)
    client.post("/installningar", data={"csrf_token": csrf_from(html)})
    with app.app_context():
        assert not ProfileOptOut.select().exists()


def test_forget_by_visitor_ids_deletes_only_those(app):
    with app.app_context():
        write_lines(
            [
                line(ALICE, [ev("pageview", "/utbildningar", T0)]),
                line(BERIT, [ev("pageview", "/utbildningar", T0)]),
            ]
        )
        profiles.update(now=T0)
        counts = profiles.forget(visitor_ids=[ALICE])
        assert counts == {"profiles": 1, "visits_unflagged": 1, "opted_out": 1}
        assert [p.visitor_id for p in InterestProfile.select()] == [BERIT]
        later = T0 + datetime.timedelta(hours=2)
        write_lines([line(ALICE, [ev("pageview", "/utbildningar", later)])])
        profiles.update(now=later)
        assert [p.visitor_id for p in InterestProfile.select()] == [BERIT]


def test_idle_profiles_and_expired_opt_outs_are_purged(app):
    app.config["ANALYTICS_PROFILE_RETENTION_DAYS"] = 90
    with app.app_context():
        write_lines(
            [
                line(ALICE, [ev("pageview", "/utbildningar", T0)]),
                line(BERIT, [ev("pageview", "/utbildningar", T0 + datetime.timedelta(days=50))]),
            ]
        )
        profiles.update(now=T0 + datetime.timedelta(days=50))
        with time_machine.travel(T0, tick=False):
            profiles.forget(visitor_ids=["c" * 32])
        profiles.update(now=T0 + datetime.timedelta(days=91))
        assert [p.visitor_id for p in InterestProfile.select()] == [BERIT]
        assert ProfileOptOut.select().count() == 1
        profiles.update(now=T0 + datetime.timedelta(days=396))
        assert ProfileOptOut.select().count() == 0


# views ----------------------------------------------------------------------------------------


@pytest.fixture
def profiled(app, create_user):
    """Two customers of one organisation with profiles, and an anonymous profile."""
    from winlas_site.auth.models import Organisation

    with app.app_context():
        organisation = Organisation.create(name="Exempelkommun", customer_number="K-1")
    karin = create_user("karin@exempel.se", first_name="Karin", organisation=organisation)
    nils = create_user("nils@exempel.se", first_name="=HYPERLINK(1)", organisation=organisation)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    day = datetime.timedelta(days=1)
    with app.app_context():
        write_lines(
            [
                line(ALICE, [ev("pageview", "/produkter/winlas-skola", now - day)], karin.id),
                line(
                    BERIT,
                    [
                        ev("pageview", "/produkter/winlas-skola", now - 40 * day),
                        ev("click", "/produkter/winlas-skola", now - 40 * day, "button"),
                    ],
                    nils.id,
                ),
                line("c" * 32, [ev("pageview", "/utbildningar", now - day)]),
            ]
        )
        profiles.update(now=now)
    return {"organisation": organisation, "karin": karin, "nils": nils}


def urls(profiled) -> list[str]:
    return [
        "/dashboard/profiler/",
        f"/dashboard/profiler/besokare/{ALICE}",
        f"/dashboard/profiler/person/{profiled['karin'].id}",
        f"/dashboard/profiler/organisation/{profiled['organisation'].id}",
        "/dashboard/profiler/segment?amne=produkt:winlas-skola&dagar=30",
        "/dashboard/profiler/segment.csv?amne=produkt:winlas-skola&dagar=30",
    ]


@pytest.mark.parametrize(
    "role,status",
    [(None, 302), ("customer", 403), ("staff", 403), ("marketer", 200), ("admin", 200)],
)
def test_only_marketers_and_admins_see_profiles(
    app, client, auth, create_user, profiled, role, status
):
    if role:
        create_user(f"{role}@winlas.se", role=role)
        auth.login(f"{role}@winlas.se")
    for url in urls(profiled):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert "/logga-in" in response.headers["Location"]
        if status == 200:
            assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def marketer(client, auth, create_user):
    create_user("marknad@winlas.se", role="marketer")
    auth.login("marknad@winlas.se")
    return client


def test_the_list_shows_people_and_top_topics(marketer, profiled):
    html = marketer.get("/dashboard/profiler/").get_data(as_text=True)
    assert "Karin Person" in html and "Exempelkommun" in html
    assert "Winlas skola" in html or "winlas-skola" in html
    assert "Anonym besökare" in html


def test_a_profile_page_has_the_timeline_of_visits(marketer, profiled):
    html = marketer.get(f"/dashboard/profiler/besokare/{BERIT}").get_data(as_text=True)
    assert "/produkter/winlas-skola" in html and "Klick" in html and "=HYPERLINK(1) Person" in html


def test_the_organisation_view_sums_its_contacts(app, marketer, profiled):
    org = profiled["organisation"]
    html = marketer.get(f"/dashboard/profiler/organisation/{org.id}").get_data(as_text=True)
    with app.app_context():
        summed = profiles.users_scores([profiled["karin"].id, profiled["nils"].id])
    (item,) = summed
    assert item.pageviews == 2 and item.clicks == 1
    assert f"{item.score:.2f}" in html and "Karin Person" in html


def test_the_segment_csv_lists_recent_interest_above_the_threshold(marketer, profiled):
    response = marketer.get("/dashboard/profiler/segment.csv?amne=produkt:winlas-skola&dagar=60")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["email"] for r in rows] == ["nils@exempel.se", "karin@exempel.se"]
    assert rows[0]["name"].startswith("'=HYPERLINK")  # a formula is neutralised
    # the last 30 days: only Karin had an event about it
    response = marketer.get("/dashboard/profiler/segment.csv?amne=produkt:winlas-skola&dagar=30")
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["email"] for r in rows] == ["karin@exempel.se"]
    # a threshold above Karin's score (about 0.98)
    response = marketer.get(
        "/dashboard/profiler/segment.csv?amne=produkt:winlas-skola&dagar=30&minst=1"
    )
    assert response.get_data(as_text=True).strip().count("\n") == 0


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/profiler/segment",
        "/dashboard/profiler/segment?amne=' OR 1=1--",
        "/dashboard/profiler/segment?amne=utbildning&dagar=abc",
        "/dashboard/profiler/segment?amne=utbildning&dagar=0",
        "/dashboard/profiler/segment?amne=utbildning&dagar=99999999999",
        "/dashboard/profiler/segment?amne=utbildning&minst=1e999",
        "/dashboard/profiler/segment?amne=utbildning&minst=NaN",
        "/dashboard/profiler/segment?amne=utbildning&minst=-1",
        "/dashboard/profiler/segment.csv?amne=%00",
        "/dashboard/profiler/segment?amne=utbildning&dagar=%EF%BC%93",
        "/dashboard/profiler/?sida=0",
        "/dashboard/profiler/?sida=x",
    ],
)
def test_bad_query_values_are_400(marketer, profiled, url):
    assert marketer.get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/profiler/besokare/nope",
        f"/dashboard/profiler/besokare/{'d' * 32}",
        "/dashboard/profiler/person/999999",
        "/dashboard/profiler/person/99999999999999999999",
        "/dashboard/profiler/organisation/999999",
        "/dashboard/profiler/?sida=99",
    ],
)
def test_unknown_profiles_are_404(marketer, profiled, url):
    assert marketer.get(url).status_code == 404


def test_the_views_speak_english_too(marketer, profiled):
    marketer.set_cookie("winlas_lang", "en")
    html = marketer.get("/dashboard/profiler/").get_data(as_text=True)
    assert "Intresseprofiler" in html or "Interest profiles" in html


# analytics.subjects ---------------------------------------------------------------------------


def test_personal_data_holds_the_users_visits_events_and_profile(app, profiled):
    karin = profiled["karin"]
    with app.app_context():
        data = subjects.personal_data(karin.id)
    (visit,) = data["visits"]
    assert visit["visitor_id"] == ALICE and visit["country"] == "SE"
    assert [e["path"] for e in visit["events"]] == ["/produkter/winlas-skola"]
    assert isinstance(visit["started_at"], str)
    assert [b["visitor_id"] for b in data["interest_profile"]["browsers"]] == [ALICE]
    assert [t["topic"] for t in data["interest_profile"]["topics"]] == ["produkt:winlas-skola"]
    with app.app_context():
        assert subjects.personal_data(profiled["nils"].id + 100) == {
            "visits": [],
            "interest_profile": {"browsers": [], "topics": []},
        }


def test_erase_user_deletes_their_visits_events_and_profile(app, profiled):
    karin = profiled["karin"]
    with app.app_context():
        # a later anonymous visit of the same browser: deleted too
        later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        write_lines([line(ALICE, [ev("pageview", "/", later + datetime.timedelta(hours=1))])])
        day = Visit.get(Visit.visitor_id == ALICE).started_at.date()
        rollups.run()
        period = reports.Period(day, day)
        visitors_before = reports.summary(period, reports.Filters()).visitors
        counts = subjects.erase_user(karin.id)
        rows = counts.pop("rollup_rows")
        assert counts == {"interest_scores": 1, "interest_profiles": 1, "events": 2, "visits": 2}
        # the daily rollup forgets the browser too: one unique visitor fewer that day
        assert rows >= 1
        assert reports.summary(period, reports.Filters()).visitors == visitors_before - 1
        assert not Visit.select().where(Visit.visitor_id == ALICE).exists()
        assert not Event.select().where(Event.visitor_id == ALICE).exists()
        assert subjects.personal_data(karin.id)["visits"] == []
        assert subjects.profile_for_user(karin.id) == []
        # the others are untouched
        assert InterestProfile.select().count() == 2
        assert subjects.erase_user(karin.id) == {
            "interest_scores": 0,
            "interest_profiles": 0,
            "events": 0,
            "visits": 0,
            "rollup_rows": 0,
        }


def test_profile_for_user_explains_in_plain_language(app, profiled):
    with app.app_context():
        (item,) = subjects.profile_for_user(profiled["nils"].id)
    assert item["topic"] == "produkt:winlas-skola"
    assert item["score"] == pytest.approx(4 * 0.5 ** (40 / 30), abs=0.01)
    assert item["reasons"][0] == "Du har besökt sidor om " + item["label"] + " 1 gång."
    assert "klickat" in item["reasons"][1] and item["reasons"][-1].startswith("Senast: ")


def test_withdrawing_marketing_consent_in_the_banner_deletes_the_profile_at_once(app, client):
    consent(client)
    collect(client)
    with app.app_context():
        profiles.update()
        assert InterestProfile.select().count() == 1
    # statistics stays, marketing goes: the profile goes with it, the statistics do not
    consent(client, "save", statistics="on")
    with app.app_context():
        assert InterestProfile.select().count() == 0 and InterestScore.select().count() == 0
        assert [v.profiling for v in Visit.select()] == [False]
        # a withdrawal is not an objection: nothing is kept to block a later yes
        assert ProfileOptOut.select().count() == 0
    collect(client)
    with app.app_context():
        profiles.update()
        assert InterestProfile.select().count() == 0
    assert profiled_visits(app) == [False]
