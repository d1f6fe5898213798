"""HBase module: its check-and-put lesson on Redis (the machine's server), the REST gateway's wire
format (the rules of HBase's RowResource, served by an in-process transport), and the real HBase
pattern when HBASE_URL points at a REST gateway."""

from __future__ import annotations

import base64
import json
import os

import httpx
import pytest

from practical import Narrator, get_module
from practical._registry import run_pattern
from practical.hbase import HBaseRest
from practical.services import get_service, probe

pytestmark = pytest.mark.services


def _run(pattern: str) -> dict:
    return run_pattern(get_module("hbase"), pattern, Narrator(quiet=True))


def test_on_redis_get_then_set_lets_everyone_win_and_the_lua_check_and_put_exactly_one() -> None:
    reach = probe(get_service("redis"))
    if not reach.reachable:
        pytest.skip(f"redis not reachable at {reach.address}: {reach.reason}")
    facts = _run("redis-check-and-put")
    assert facts["get_put_claims"] == 80 and facts["get_put_wrong_owner"] == 70
    assert (
        facts["checked_claims"] == 10
        and facts["checked_wrong_owner"] == 0
        and facts["refused"] == 70
    )


def _row_resource() -> tuple[httpx.MockTransport, list[dict]]:
    """PUT /table/row[?check=put] and GET /table/row/column as HBase's REST RowResource answers them."""
    cells: dict[tuple[str, str], str] = {}
    seen: list[dict] = []

    def decode(text: str) -> str:
        return base64.b64decode(text).decode()

    def handle(request: httpx.Request) -> httpx.Response:
        _, _table, row, *column = request.url.path.split("/")
        if request.method == "GET":
            value = cells.get((row, column[0]))
            return (
                httpx.Response(404)
                if value is None
                else httpx.Response(200, content=value.encode())
            )
        body = json.loads(request.content)
        seen.append(body)
        [model] = body["Row"]
        assert decode(model["key"]) == row
        pairs = [(decode(c["column"]), decode(c["$"])) for c in model["Cell"]]
        if request.url.params.get("check") == "put":
            *puts, (check_column, expected) = pairs  # the cell to check comes last
            if check_column not in dict(puts):
                return httpx.Response(
                    400, text="Bad request: The column to put and check do not match."
                )
            if cells.get((row, check_column)) != expected:
                return httpx.Response(304, text="Value not Modified")
            pairs = puts
        cells.update({(row, column): value for column, value in pairs})
        return httpx.Response(200)

    return httpx.MockTransport(handle), seen


def test_the_rest_client_sends_the_put_cells_first_and_the_checked_cell_last() -> None:
    transport, seen = _row_resource()
    hbase = HBaseRest("http://hbase.invalid:8080", transport=transport)
    hbase.put("jobs", "job1", {"d:status": "queued", "d:owner": ""})
    claims = [
        hbase.check_and_put(
            "jobs", "job1", "d:status", "queued", {"d:status": "taken", "d:owner": f"w{who}"}
        )
        for who in range(3)
    ]
    assert claims == [True, False, False]
    assert (
        hbase.get("jobs", "job1", "d:owner") == "w0"
        and hbase.get("jobs", "nope", "d:owner") is None
    )
    last = seen[1]["Row"][0]["Cell"]
    assert [base64.b64decode(c["column"]).decode() for c in last] == [
        "d:status",
        "d:owner",
        "d:status",
    ]


@pytest.mark.skipif(
    not os.environ.get("HBASE_URL"), reason="HBASE_URL is not set (no HBase server installs here)"
)
def test_on_hbase_get_then_put_lets_everyone_win_and_check_and_put_exactly_one() -> None:
    facts = _run("check-and-put")
    assert facts["get_put_claims"] == 80 and facts["get_put_wrong_owner"] == 70
    assert (
        facts["checked_claims"] == 10
        and facts["checked_wrong_owner"] == 0
        and facts["refused_304"] == 70
    )
