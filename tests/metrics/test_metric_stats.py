"""A metric's count and period span describe the figures its lists serve: a retracted
figure leaves them as it leaves the lists."""

from tests.conftest import Desk


def listed(desk: Desk, metric: str) -> list[dict]:
    response = desk.client.get("/v1/observations", params={"metric": metric, "limit": 1000})
    return response.json()["data"]


def retract(desk: Desk, observation_id: int) -> None:
    etag = desk.client.get(f"/v1/observations/{observation_id}").headers["etag"]
    response = desk.client.post(
        f"/v1/observations/{observation_id}/retract",
        json={"reason": "Withdrawn by its source."},
        headers={**desk.editor, "If-Match": etag},
    )
    assert response.status_code == 200, response.text


def span_of(observations: list[dict]) -> dict:
    starts = [o["period_start"] for o in observations if o["period_start"]]
    ends = [o["period_end"] for o in observations if o["period_end"]]
    return {
        "observation_count": len(observations),
        "first_period_start": min(starts, default=None),
        "last_period_end": max(ends, default=None),
    }


def stats(metric: dict) -> dict:
    return {
        name: metric[name]
        for name in ("observation_count", "first_period_start", "last_period_end")
    }


def test_a_metric_counts_and_spans_only_the_figures_its_list_serves(desk: Desk) -> None:
    figures = listed(desk, "workers_entered")
    assert len(figures) >= 2
    # The figure that starts latest, so the span moves as well as the count.
    retract(desk, max(figures, key=lambda o: o["period_start"] or "")["id"])
    remaining = listed(desk, "workers_entered")
    assert len(remaining) == len(figures) - 1
    expected = span_of(remaining)
    assert stats(desk.client.get("/v1/metrics/workers_entered").json()) == expected
    [in_list] = [
        m for m in desk.client.get("/v1/metrics").json()["data"] if m["code"] == "workers_entered"
    ]
    assert stats(in_list) == expected


def test_a_metric_whose_figures_are_all_retracted_counts_none_and_spans_nothing(
    desk: Desk,
) -> None:
    figures = listed(desk, "shift_hours")
    assert figures, "the seed has no shift_hours figure to retract"
    for figure in figures:
        retract(desk, figure["id"])
    assert listed(desk, "shift_hours") == []
    served = desk.client.get("/v1/metrics/shift_hours").json()
    assert (
        stats(served)
        == span_of([])
        == {
            "observation_count": 0,
            "first_period_start": None,
            "last_period_end": None,
        }
    )
