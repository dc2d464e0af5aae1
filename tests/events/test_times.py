"""Event times from every spelling sources use, to aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rathunt.events.times import format_time, parse_time, system_time

T = datetime(2026, 4, 17, 5, 24, 53, 88849, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-04-17T05:24:53.088849Z",  # evtx JSON
        "2026-04-17T05:24:53.0888491Z",  # wevtutil: seven digits
        "2026-04-17T05:24:53.088849100Z",  # nine digits
        "2026-04-17T05:24:53.0888491Z UTC",  # evtx record header
        "2026-04-17T07:24:53.088849+02:00",  # an offset
        "2026-04-17T00:24:53.088849-05:00",
        "2026-04-17 05:24:53.088849",  # no offset: Windows writes UTC
        " 2026-04-17T05:24:53.088849Z ",
    ],
)
def test_spellings_of_one_moment(text: str) -> None:
    assert parse_time(text) == T
    assert parse_time(text).tzinfo is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-17T05:24:53Z", datetime(2026, 4, 17, 5, 24, 53, tzinfo=UTC)),
        ("2026-04-17T05:24:53.5Z", datetime(2026, 4, 17, 5, 24, 53, 500000, tzinfo=UTC)),
        (1713331493, datetime(2024, 4, 17, 5, 24, 53, tzinfo=UTC)),
        (1713331493250, datetime(2024, 4, 17, 5, 24, 53, 250000, tzinfo=UTC)),
        ({"SystemTime": "2026-04-17T05:24:53.088849Z"}, T),
        ({"#attributes": {"SystemTime": "2026-04-17T05:24:53.088849Z"}}, T),
    ],
)
def test_other_shapes(value: object, expected: datetime) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-45T00:00:00Z", None, True, [], {}])
def test_no_time(value: object) -> None:
    assert parse_time(value) is None


def test_system_time_keeps_canonical_text() -> None:
    assert system_time("2026-04-17T05:24:53.088849Z") == (T, "2026-04-17T05:24:53.088849Z")
    assert system_time("2026-04-17T05:24:53.0888491Z") == (T, "2026-04-17T05:24:53.088849Z")
    assert system_time("2026-04-17T07:24:53.088849+02:00")[1] == "2026-04-17T05:24:53.088849Z"
    assert system_time("2026-13-45T05:24:53.088849Z") == (None, None)
    assert system_time(None) == (None, None)


def test_format_time() -> None:
    assert format_time(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05.000000Z"
