"""Time zones: what the site shows each reader, and refusing a wrong default at start-up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campus import create_app
from campus.config import ConfigError
from campus.extensions import db
from campus.timezones import is_zone, local_date, local_time, zone_choices
from tests.conftest import app_settings
from tests.factories import make_enrollment, make_user
from tests.helpers import login

MOMENT = datetime(2026, 7, 1, 2, 5, tzinfo=UTC)  # 10:05 pm June 30 in New York (EDT)


class Someone:
    def __init__(self, time_zone):
        self.time_zone = time_zone


def test_local_date_and_time_follow_the_users_zone(app):
    assert local_date(MOMENT, Someone("Asia/Tokyo")).isoformat() == "2026-07-01"
    assert local_date(MOMENT, Someone("America/Chicago")).isoformat() == "2026-06-30"
    assert local_time(MOMENT, user=Someone("America/Chicago")) == "Jun 30, 2026, 9:05 PM CDT"
    assert local_time(MOMENT, "date", Someone("America/Chicago")) == "June 30, 2026"
    assert local_time(MOMENT, "iso-date", Someone("Asia/Tokyo")) == "2026-07-01"
    assert local_time(None) == "—"


def test_an_unknown_or_missing_zone_falls_back_to_the_site_default(app):
    assert local_time(MOMENT, user=Someone(None)) == "Jun 30, 2026, 10:05 PM EDT"
    assert local_time(MOMENT, user=Someone("Nowhere/Land")) == "Jun 30, 2026, 10:05 PM EDT"


def test_the_zone_list_offers_us_zones_first_and_only_real_names():
    choices = zone_choices()
    assert choices[0] == ("America/New_York", "US Eastern (America/New_York)")
    assert all(is_zone(value) for value, _ in choices)
    assert len({value for value, _ in choices}) == len(choices)
    assert not is_zone("") and not is_zone(None) and not is_zone("Mars/Base")


@pytest.mark.parametrize("zone", ["Eastern", "America/Nowhere", ""])
def test_refuses_to_start_with_an_unknown_default_zone(zone):
    with pytest.raises(ConfigError, match="DEFAULT_TIME_ZONE"):
        create_app({**app_settings(), "DEFAULT_TIME_ZONE": zone})


def test_a_signed_in_reader_sees_times_in_their_zone(client, course):
    user = make_user()
    user.time_zone = "America/Los_Angeles"
    make_enrollment(user, course).enrolled_at = MOMENT  # 7:05 pm June 30 in LA
    db.session.commit()
    login(client, user)
    html = client.get("/courses/test-course").get_data(as_text=True)
    assert "You enrolled on June 30, 2026." in html


def test_moment_formatter_says_what_local_time_says_in_each_zone_and_season():
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from campus.timezones import moment_formatter

    for zone in ("America/Chicago", "Asia/Tokyo", None, "Pacific/Honolulu"):
        format_moment = moment_formatter(Someone(zone))
        for days in (0, 45, 130, 200, 300):  # across daylight saving changes, AM and PM
            moment = MOMENT + timedelta(days=days, hours=days % 13)
            local = moment.astimezone(ZoneInfo(zone or "America/New_York"))
            hour = local.hour % 12 or 12
            expected = (
                f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M %p} {local.tzname()}"
            )
            assert format_moment(moment) == expected
            assert local_time(moment, user=Someone(zone)) == expected
    assert moment_formatter(Someone(None))(None) == "—"
