from fastapi.testclient import TestClient


def test_observation_embeds_its_source_relay_chain_and_citation(client: TestClient) -> None:
    body = client.get("/v1/observations/1").json()
    assert body["source"]["id"] == body["source_id"] == 2
    assert body["source"]["publisher"] == "BBC"
    assert [s["id"] for s in body["relay_chain"]] == [1]
    assert body["citation"].startswith("South Korean intelligence official, in ")
    assert body["source"]["description"] in body["citation"]
    assert body["relay_chain"][0]["description"] in body["citation"]


def test_a_total_lists_its_parts_and_a_part_names_its_total(client: TestClient) -> None:
    assert client.get("/v1/observations/3").json()["parts"] == [4]
    assert client.get("/v1/observations/4").json()["part_of"] == 3


def test_citation_gives_when_the_claim_was_made_when_known(client: TestClient) -> None:
    citation = client.get("/v1/observations/6").json()["citation"]
    # "admitted in June", with no year: the month alone, and no year made up.
    assert citation.startswith(
        "Sergei Shoigu, head of the Russian Security Council (June, year not given), in "
    )


def test_citation_says_what_is_unknown_rather_than_leave_gaps(client: TestClient) -> None:
    citation = client.get("/v1/observations/5").json()["citation"]
    assert "(publisher not named, date not given)" in citation
