"""Hostile input never makes the web application fail: every bad input is a 4xx with a readable message.

Runs against the real app on SQLite and PostgreSQL (``records_world``), signed in as a county user.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from web_fixtures import HOSTILE_NUMBERS, HOSTILE_TEXT, HUGE, csrf_of, sign_in

from landcon.errors import public_message
from landcon.services import jobs
from landcon.web.app import create_app


@pytest.fixture
def client(records_world):
    with TestClient(create_app(worker=False), base_url="http://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def author(client):
    sign_in(client, "fm_author")
    return client


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/jobs/{HUGE}",
        f"/jobs/{HUGE}",
        f"/meetings/{HUGE}",
        f"/api/v1/ledger/530124/history?before={HUGE}",
        f"/ledger/530124?before={HUGE}",
        f"/ledger?before={HUGE}",
        f"/projects/FM-X/versions/{HUGE}/plan.geojson",
        f"/projects/FM-X/versions/{HUGE}/files/a.xlsx",
        f"/projects/FM-X/diff?a={HUGE}&b=1",
        f"/api/v1/jobs/-{HUGE}",
        "/api/v1/jobs/2147483648",  # past PostgreSQL's integer column
        "/meetings/2147483648",
        "/api/v1/jobs/0",
        "/meetings/-1",
    ],
)
def test_an_overlarge_or_negative_id_is_a_readable_4xx(author, url):
    r = author.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
    text = r.json()["error"] if url.startswith("/api/") else r.text
    assert "不存在" in text or "无效" in text, text[:300]


def test_an_overlarge_id_in_a_form_post_is_a_4xx(author):
    token = csrf_of(author)
    r = author.post(f"/tasks/{HUGE}/done", data={"csrf_token": token, "note": ""})
    assert 400 <= r.status_code < 500 and "无效" in r.text
    r = author.post(f"/projects/FM-X/versions/{HUGE}/report", data={"csrf_token": token})
    assert 400 <= r.status_code < 500


# Every route of the OpenAPI document with hostile values: no answer is a 5xx --------------------------------

HOSTILE_BODIES = [
    b"",
    b"null",
    b"[]",
    b"{",
    b'"text"',
    b"123",
    b"\xff\xfe\x00",
    b'{"name": "../../x", "replace": true}',
    b'{"opinion": null, "expected_version": "abc"}',
    '{"opinion": "同意", "expected_version": 99999999999999999999}'.encode(),
    b'{"name": {"a": 1}, "replace": [1]}',
]


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in entries.items():
            z.writestr(name, payload)
    return buffer.getvalue()


def _bad_crc_zip() -> bytes:
    raw = bytearray(_zip({"a.gpkg": b"SQLite format 3\x00" + b"\x00" * 4000}))
    at = raw.index(b"PK\x01\x02") + 16  # the central directory's CRC-32 of the entry
    raw[at : at + 4] = b"\x00\x00\x00\x00"
    raw[14:18] = b"\x00\x00\x00\x00"  # and the local header's
    return bytes(raw)


def _bad_deflate_zip() -> bytes:
    raw = bytearray(_zip({"DLTB.shp": b"\x00" * 4000}))
    start = 30 + len("DLTB.shp")
    raw[start : start + 8] = b"\xff" * 8  # the deflate stream itself
    return bytes(raw)


HOSTILE_FILES = [
    ("a.zip", b""),
    ("a.zip", b"PK\x03\x04 not a zip"),
    ("a.gpkg", b"SQLite format 3\x00garbage"),
    ("../../a.zip", b"PK"),
    ("a.exe", b"MZ"),
    ("a.zip", "empty-zip"),
]


def _operations(app) -> list[tuple[str, str, dict]]:
    spec = app.openapi()
    return [(method.upper(), path, op) for path, ops in sorted(spec["paths"].items()) for method, op in ops.items()]


def _types(schema: dict) -> set[str]:
    return {schema["type"]} if "type" in schema else {t for s in schema.get("anyOf", []) for t in _types(s)}


def _value(draw, schema: dict) -> str:
    kinds = _types(schema)
    if kinds & {"integer", "number"}:
        return draw(st.sampled_from(HOSTILE_NUMBERS) | st.integers().map(str))
    if "boolean" in kinds:
        return draw(st.sampled_from(["true", "false", "2", "yes", "", HUGE]))
    return draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=30))


def _request(client: TestClient, draw, method: str, path: str, op: dict, token: str) -> None:
    url, query = path, {}
    for param in op.get("parameters", []):
        value = _value(draw, param.get("schema", {}))
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", quote(value, safe="") or "%20")
        elif param["in"] == "query" and draw(st.booleans()):
            query[param["name"]] = value
    headers = {"X-CSRF-Token": token} if token else {}
    content = op.get("requestBody", {}).get("content", {})
    kwargs: dict = {}
    if "application/json" in content:
        kwargs["content"] = draw(
            st.sampled_from(HOSTILE_BODIES)
            | st.dictionaries(
                st.sampled_from(["name", "replace", "opinion", "conditions", "comments", "expected_version"]),
                st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from(HOSTILE_TEXT),
            ).map(lambda d: json.dumps(d).encode())
        )
        headers["content-type"] = "application/json"
    elif "multipart/form-data" in content:
        name, payload = draw(st.sampled_from(HOSTILE_FILES))
        if payload == "empty-zip":
            payload = _zip({})
        kwargs["files"] = {"file": (name, payload)}
    r = client.request(method, url, params=query, headers=headers, **kwargs)
    assert r.status_code < 500, (method, url, query, kwargs.get("content"), r.status_code, r.text[:500])
    if r.status_code >= 400 and r.headers.get("content-type", "").startswith("application/json"):
        error = r.json().get("error")
        assert isinstance(error, str) and "Traceback" not in error and "/tmp/" not in error, error


@pytest.mark.parametrize("who", ["fm_author", None])
def test_no_route_of_the_openapi_document_answers_hostile_values_with_a_5xx(client, who):
    """Hypothesis over the app's own OpenAPI document: every operation, every parameter, bodies and files.

    Signed in as a county author (with the session's CSRF token) and anonymous; derandomised, so a
    failure repeats exactly.
    """
    token = ""
    if who:
        sign_in(client, who)
        token = csrf_of(client)
    operations = _operations(client.app)
    assert len(operations) >= 15

    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the assertion names the request
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def each(data):
        for method, path, op in operations:
            _request(client, data.draw, method, path, op, token)

    each()


@pytest.mark.parametrize("payload", [_bad_crc_zip, _bad_deflate_zip], ids=["bad-crc", "bad-deflate"])
def test_a_zip_with_a_bad_crc_or_deflate_stream_is_a_readable_400(author, payload):
    token = csrf_of(author)
    r = author.post("/api/v1/uploads", files={"file": ("a.zip", payload())}, headers={"X-CSRF-Token": token})
    assert r.status_code == 400 and "压缩包" in r.json()["error"], r.text


# No server paths, build paths or tracebacks reach users; attendee lookups stay in scope -------------------


def test_a_failed_job_shows_neither_server_paths_nor_a_traceback(author, records_world):
    import os

    token = csrf_of(author)
    done = author.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).json()
    assert jobs.run_one() is True
    result = author.get(f"/api/v1/jobs/{done['id']}").json()
    assert result["status"] == "done" and "survey.json" in result["result"]["files"]
    data_dir = os.environ["LANDCON_DATA_DIR"]
    assert data_dir not in json.dumps(result, ensure_ascii=False)  # the result folder is not shown

    broken = next((records_world.data_dir / "datasets" / "grid").glob("DLTB*.parquet"))
    broken.write_bytes(b"PAR1 this is not a parquet file")  # a real failure, deep inside pyarrow
    failed = author.post("/api/v1/survey/grid", headers={"X-CSRF-Token": token}).json()
    assert jobs.run_one() is True
    shown = author.get(f"/api/v1/jobs/{failed['id']}").json()
    assert shown["status"] == "failed" and shown["error"]
    page = author.get(f"/jobs/{failed['id']}").text
    for text in (shown["error"], page):
        assert data_dir not in text and str(records_world.data_dir) not in text
        assert "Traceback" not in text and 'File "' not in text and "site-packages" not in text


def test_public_message_cuts_paths_and_tracebacks_but_keeps_urls_and_file_names():
    assert public_message("文件 /tmp/landcon-upload-1a2b/data/DLTB.gdb：无法读取") == "文件 DLTB.gdb：无法读取"
    assert public_message("GDAL: /build/gdal-3.8/ogr/ogrsf_frmts/gpkg/ogr_gpkg.cpp(123): bad") == (
        "GDAL: ogr_gpkg.cpp(123): bad"
    )
    assert public_message('内部错误：boom\nTraceback (most recent call last):\n  File "/usr/x.py", line 3') == (
        "内部错误：boom"
    )
    assert public_message(r"C:\Users\me\DLTB.gpkg 打不开") == "DLTB.gpkg 打不开"
    assert public_message("见 http://example.org/a/b 与 /login") == "见 http://example.org/a/b 与 /login"


def test_an_error_page_cuts_the_server_path_of_an_upload(author):
    token = csrf_of(author)
    r = author.post(
        "/api/v1/uploads", files={"file": ("a.gpkg", b"SQLite format 3\x00garbage")}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 400
    assert "/tmp" not in r.text and "/work" not in r.text and "landcon-data" not in r.text


def _record_meeting(client: TestClient, attendee: str):
    token = csrf_of(client)
    form = {"csrf_token": token, "title": "会商", "held_on": "2025-03-10", "unit": "530124", "attendees": attendee}
    return client.post("/meetings", data=form, follow_redirects=False)


def test_a_meeting_attendee_lookup_does_not_reveal_users_of_another_county(author):
    other = _record_meeting(author, "wh_author")  # a user of 530102 五华区
    missing = _record_meeting(author, "nobody")
    assert other.status_code == missing.status_code == 404
    assert "五华" not in other.text and "530102" not in other.text
    assert other.text.replace("wh_author", "nobody") == missing.text  # indistinguishable from no such user
    linked = _record_meeting(author, "fm_leader")  # a colleague in the same county is linked as before
    assert linked.status_code == 303
    meeting = author.get(linked.headers["location"]).text
    assert "fm_leader" in meeting


def _page_routes(app) -> list[tuple[str, list[tuple[str, object]]]]:
    """GET pages left out of the OpenAPI document, with their path parameters and declared types."""
    found = []

    def walk(routes) -> None:
        for route in routes:
            if hasattr(route, "effective_candidates"):  # an included router
                walk(route.effective_candidates())
            elif hasattr(route, "dependant") and "GET" in route.methods and not route.include_in_schema:
                params = [(p.name, p.field_info.annotation) for p in route.dependant.path_params]
                if params:
                    found.append((route.path, params))

    walk(app.routes)
    return found


def test_no_page_answers_hostile_path_values_with_a_5xx(author):
    """The pages outside the OpenAPI document too: every path parameter with every hostile value."""
    routes = _page_routes(author.app)
    assert len(routes) >= 10, routes
    for path, params in routes:
        for text in HOSTILE_TEXT + HOSTILE_NUMBERS:
            url = path
            for name, _kind in params:
                url = url.replace("{" + name + "}", quote(text, safe="") or "%20")
            r = author.get(url)
            assert r.status_code < 500, (url, r.status_code, r.text[:300])
            assert "Traceback" not in r.text, url
