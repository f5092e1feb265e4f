"""Usage dashboard handlers, called as the browser would (a signed-in user's request), on real services.

A real Gateway with its DuckDB (no models needed): two members with keys made by the key store, usage
written through the real ledger (which rolls it up). A member's page shows only their own numbers and key
names; the admin's shows everyone's; CSV exports hold the window; bad dates give readable messages.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pandas as pd
import pytest

from app.shell.views import View
from app.usage import page as usage
from gateway.usage.ledger import Ledger, UsageRow
from tests.app.conftest import opened_gateway

PASSWORD = "Member-pass-2026"
D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
SINCE, UNTIL = "2026-03-01", "2026-03-03"
TRACEBACK = re.compile(r"Traceback|File \"|Error:|Exception|\bline \d+")


def req(username: str | None, lang_header: str = "en") -> SimpleNamespace:
    return SimpleNamespace(username=username, headers={"accept-language": lang_header})


def row(i: int, ts: datetime, key_id: str | None, model: str, prompt: int, completion: int, status: int = 200,
        reasoning: int | None = None) -> UsageRow:
    ok = status < 400
    return UsageRow(ts=ts, request_id=f"r{i}", key_id=key_id, endpoint="chat.completions", model=model,
                    deployment="d", prompt_tokens=prompt if ok else None, completion_tokens=completion if ok else None,
                    reasoning_tokens=reasoning, total_tokens=prompt + completion if ok else None,
                    usage_source="upstream" if ok else "none", status=status,
                    error_code=None if ok else "upstream_error", stream=False, latency_ms=1.0, ttft_ms=None,
                    client_aborted=False)


@pytest.fixture()
def site(tmp_path):
    gw = opened_gateway(tmp_path)
    alice = gw.accounts.create_user("alice", PASSWORD, organisation="Alpha Lab")
    bob = gw.accounts.create_user("bob", PASSWORD, organisation="Beta Institute")
    a_key, _ = gw.keys.create("alice-notebook", user_id=alice.id)
    b_key, _ = gw.keys.create("bob-pipeline", user_id=bob.id)
    b_key2, _ = gw.keys.create("bob-batch-jobs", user_id=bob.id)
    rows = [
        row(1, datetime(2026, 3, 1, 9), a_key, "qwen-chat", 1_111, 222),
        row(2, datetime(2026, 3, 1, 10), b_key, "qwen-chat", 5_000_000, 250_000, reasoning=50_000),
        row(3, datetime(2026, 3, 2, 11), a_key, "qwen-chat", 0, 0, status=500),
        row(4, datetime(2026, 3, 3, 8), a_key, "embed-small", 333, 0),
        row(5, datetime(2026, 3, 3, 9), b_key2, "embed-small", 7_777_777, 0),
        row(6, datetime(2026, 3, 3, 23, 59, 59), b_key, "qwen-chat", 444_444, 44_444),
        row(7, datetime(2026, 2, 28, 23, 59, 59), a_key, "qwen-chat", 9_999, 9_999),    # before the window
    ]
    ledger = Ledger(gw.store)
    for r in rows:
        ledger.record(r)
    assert ledger.flush() == len(rows)
    yield SimpleNamespace(gw=gw, h=usage.UsagePage(gw), keys={"alice": a_key, "bob": b_key, "bob2": b_key2})
    gw.store.close()


def outputs(site, user: str, since: Any = SINCE, until: Any = UNTIL, lang: str = "en") -> usage.UsageView:
    """The page for ``user`` and the window (``site.h``: a ``UsagePage``)."""
    return site.h.refresh(since, until, lang, req(user))


def fields(view: View) -> dict[str, Any]:
    """A view's fields by name."""
    return dict(zip(view.names(), view.outputs(), strict=True))


def text_of(value: Any) -> str:
    """Everything a user could see in one output: text, an update's fields, a plot's data."""
    if isinstance(value, dict):
        return " ".join(text_of(v) for k, v in value.items() if k != "__type__")
    if isinstance(value, pd.DataFrame):
        return " ".join(map(str, value.columns)) + " " + value.to_csv(index=False)
    if isinstance(value, (list, tuple)):
        return " ".join(text_of(v) for v in value)
    return str(value)


def page_text(out: usage.UsageView) -> str:
    return " ".join(text_of(v) for k, v in fields(out).items() if not k.startswith("csv_"))


def cards(totals_html: str) -> dict[str, str]:
    """The big numbers as shown: {field: text}."""
    found = re.findall(r'data-total="(\w+)"><div class="label">[^<]*</div><div class="value">([^<]*)</div>',
                       totals_html)
    assert len(found) == 7, totals_html
    return dict(found)


def frame(out: View, name: str) -> pd.DataFrame:
    """A plot's data (a DataFrame, or an update carrying one)."""
    value = getattr(out, name)
    return value["value"] if isinstance(value, dict) else value


def exports(site, user: str | None) -> Any:
    """An HTTP client of the CSV export route (``app.usage_export``) with ``user``'s real session cookie."""
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from app.http.signin import SESSION_COOKIE, SessionUsers
    from app.http.usage_export import routes

    api = FastAPI()
    api.include_router(routes(site.gw.console, SessionUsers(site.gw)))
    client = TestClient(api)
    if user is not None:
        client.cookies.set(SESSION_COOKIE, site.gw.sessions.create(site.gw.accounts.by_username(user).id))
    return client


def read_csv(site, user: str, out: usage.UsageView, kind: str) -> tuple[str, list[dict[str, str]]]:
    """The export the page links for ``kind``, fetched as ``user``: its file name and rows."""
    url = html.unescape(re.search(rf'href="([^"]*{kind}[^"]*)"', out.csv_links).group(1))
    resp = exports(site, user).get(url)
    assert resp.status_code == 200, resp.text
    name = re.search(r'filename="([^"]+)"', resp.headers["content-disposition"]).group(1)
    return name, list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))


def test_member_sees_only_own_numbers_and_key_names(site) -> None:
    out = outputs(site, "alice")
    text = page_text(out)
    assert "your own keys" in out.scope
    # totals: alice's 3 requests in the window (one failed), not bob's and not the day before the window
    assert cards(out.totals) == {"requests": "3", "errors": "1", "stopped": "0", "prompt_tokens": "1,444",
                                    "completion_tokens": "222", "reasoning_tokens": "0", "total_tokens": "1,666"}
    assert "33.3% of requests" in out.totals
    assert "alice-notebook" in text
    for foreign in ("bob", "Beta Institute", "5,000,000", "7,777,777", "444,444", "9,999", *site.keys.values()):
        assert foreign not in text, foreign
    days = frame(out, "per_day")
    assert list(days.columns) == ["day", "tokens", "series"]
    prompt = days[days["series"] == "Input (prompt)"]
    assert prompt.values.tolist() == [["2026-03-01", 1_111, "Input (prompt)"], ["2026-03-02", 0, "Input (prompt)"],
                                      ["2026-03-03", 333, "Input (prompt)"]]
    # the ranking is for the last day: alice's key by name, never its id
    assert out.rank_day["value"] == UNTIL and out.rank_day["choices"][:2] == [UNTIL, "2026-03-02"]
    assert frame(out, "rank_key_plot").values.tolist() == [["alice-notebook", 333]]
    assert "alice-notebook" in out.rank_key_table and "alice" in out.rank_user_table
    assert "Alpha Lab" in out.rank_organisation_table
    assert "qwen-chat" in out.model_table and "50.0%" in out.model_table     # 2 requests, 1 failed


def test_admin_sees_everyone_with_key_names_and_owners(site) -> None:
    out = outputs(site, "admin")
    text = page_text(out)
    assert "everyone" in out.scope
    assert cards(out.totals) == {"requests": "6", "errors": "1", "stopped": "0", "prompt_tokens": "13,223,665",
                                    "completion_tokens": "294,666", "reasoning_tokens": "50,000",
                                    "total_tokens": "13,518,331"}
    ranked = frame(out, "rank_key_plot").values.tolist()
    assert ranked == [["bob-batch-jobs · bob", 7_777_777], ["bob-pipeline · bob", 488_888],
                      ["alice-notebook · alice", 333]]
    assert [r[0] for r in frame(out, "rank_user_plot").values.tolist()] == ["bob", "alice"]
    assert [r[0] for r in frame(out, "rank_organisation_plot").values.tolist()] == ["Beta Institute", "Alpha Lab"]
    for key_id in site.keys.values():
        assert key_id not in text
    assert "8,266,665" in out.rank_user_table                # bob on the last day: 7,777,777 + 488,888
    # per model: requests and errors stacked, average tokens per request
    requests = frame(out, "model_requests")
    assert requests.values.tolist() == [["qwen-chat", 3, "Succeeded"], ["qwen-chat", 1, "Errors"],
                                        ["qwen-chat", 0, "Stopped by the user"], ["embed-small", 2, "Succeeded"],
                                        ["embed-small", 0, "Errors"], ["embed-small", 0, "Stopped by the user"]]
    average = frame(out, "model_average")
    assert average.values.tolist()[:2] == [["qwen-chat", round((1_111 + 5_000_000 + 444_444) / 4, 1), "Input"],
                                           ["qwen-chat", round((222 + 250_000 + 44_444) / 4, 1), "Output"]]
    assert "1,361,388.8" in out.model_table and "3,889,055" in out.model_table


def test_ranking_for_another_day(site) -> None:
    ranked = site.h.rank("2026-03-01", "en", req("admin"))
    assert "2026-03-01" in ranked.rank_note
    assert ranked.rank_key_plot["value"].values.tolist() == [["bob-pipeline · bob", 5_250_000],
                                                             ["alice-notebook · alice", 1_333]]
    assert "5,250,000" in ranked.rank_key_table
    ranked = site.h.rank("2026-03-01", "en", req("alice"))
    assert ranked.rank_key_plot["value"].values.tolist() == [["alice-notebook", 1_333]]
    assert "bob" not in ranked.rank_key_table
    ranked = site.h.rank("2026-03-05", "zh-CN", req("alice"))
    assert ranked.rank_key_plot["value"].empty and ranked.rank_key_plot["visible"] is False
    assert "2026-03-05 没有用量" in ranked.rank_key_table
    ranked = site.h.rank("yesterday", "en", req("alice"))
    panels = [v for k, v in fields(ranked).items() if k != "rank_note"]
    assert "Day to rank: “yesterday” is not a date" in ranked.rank_note and all(p == gr.skip() for p in panels)


def test_csv_exports_hold_the_window(site) -> None:
    out = outputs(site, "admin")
    name, rows = read_csv(site, "admin", out, "per-day")
    assert name == "usage-per-day_2026-03-01_2026-03-03.csv"
    assert list(rows[0]) == ["day", "requests", "errors", "stopped", "prompt_tokens", "completion_tokens",
                             "reasoning_tokens", "total_tokens"]
    assert [(r["day"], r["requests"], r["errors"], r["total_tokens"]) for r in rows] == [
        ("2026-03-01", "2", "0", "5251333"), ("2026-03-02", "1", "1", "0"), ("2026-03-03", "3", "0", "8266998")]
    name, rows = read_csv(site, "admin", out, "per-model")
    assert name == "usage-per-model_2026-03-01_2026-03-03.csv"
    assert [(r["model"], r["requests"], r["errors"], r["total_tokens"]) for r in rows] == [
        ("qwen-chat", "4", "1", "5740221"), ("embed-small", "2", "0", "7778110")]
    assert float(rows[0]["avg_prompt_tokens"]) == pytest.approx((1_111 + 5_000_000 + 444_444) / 4)

    alice = outputs(site, "alice")                                          # a member's export is theirs only
    _, rows = read_csv(site, "alice", alice, "per-model")
    assert [(r["model"], r["requests"], r["total_tokens"]) for r in rows] == [("qwen-chat", "2", "1333"),
                                                                              ("embed-small", "1", "333")]
    # the figures are the downloader's own, whoever's link it is: bob opening the admin's link gets his own
    _, rows = read_csv(site, "bob", out, "per-model")
    assert [(r["model"], r["requests"], r["total_tokens"]) for r in rows] == [("qwen-chat", "2", "5738888"),
                                                                              ("embed-small", "1", "7777777")]
    url = html.unescape(re.search(r'href="([^"]*per-day[^"]*)"', out.csv_links).group(1))
    assert exports(site, None).get(url).status_code == 401                   # signed out: nothing
    assert exports(site, "alice").get("/usage/export/per-day.csv?since=yesterday").status_code == 400


def test_csv_exports_are_links_to_the_checked_route_not_files(site) -> None:
    """Nothing is written for Gradio to serve from its cache (it would serve it to anyone signed in)."""
    links = outputs(site, "alice").csv_links
    assert 'href="/usage/export/per-day.csv?since=2026-03-01&amp;until=2026-03-03"' in links
    assert 'download="usage-per-model_2026-03-01_2026-03-03.csv"' in links


def test_empty_dates_mean_the_last_30_days_and_quick_ranges(site) -> None:
    today = datetime.now().astimezone().date()
    out = outputs(site, "alice", since="", until=None)
    until = date.fromisoformat(out.until)
    assert abs((until - today).days) <= 1
    assert date.fromisoformat(out.since) == until - timedelta(days=29)
    assert len(frame(out, "per_day")) == 2 * 30 and "30 days" in out.window
    assert "No usage from" in out.model_table
    dates = site.h.quick(7)
    assert (date.fromisoformat(dates.until) - date.fromisoformat(dates.since)).days == 6


@pytest.mark.parametrize(("lang", "since", "until", "expected"), [
    ("en", "2026-03-05", "2026-03-01", "Since (2026-03-05) is after Until (2026-03-01)"),
    ("zh-CN", "2026-03-05", "2026-03-01", "开始日期（2026-03-05）晚于结束日期（2026-03-01）"),
    ("en", "March 1st", "2026-03-01", "Since: “March 1st” is not a date. Write it as YYYY-MM-DD"),
    ("zh-CN", "2026-03-01", "2026-02-30", "结束日期：“2026-02-30”不是有效日期"),
    ("en", "2025-01-01", "2026-03-01", "The window 2025-01-01 to 2026-03-01 has 425 days: choose at most 366"),
    ("zh-CN", "2025-01-01", "2026-03-01", "2025-01-01 至 2026-03-01 共 425 天：时间范围最多 366 天"),
])
def test_bad_dates_give_a_readable_message(site, lang, since, until, expected) -> None:
    out = outputs(site, "alice", since, until, lang)
    assert expected in out.window and not TRACEBACK.search(out.window)     # said under the dates ...
    assert all(v == gr.skip() for k, v in fields(out).items() if k != "window")   # ... the panels stay as they were
    out = outputs(site, "alice")                                          # the page keeps working
    assert cards(out.totals)["requests"] == "3"


def test_a_full_year_is_allowed(site) -> None:
    out = outputs(site, "admin", since="2025-03-03", until="2026-03-03")
    assert "366 days" in out.window and len(out.rank_day["choices"]) == 366


def test_chinese_page_and_no_tracebacks(site) -> None:
    out = outputs(site, "bob", lang="zh-CN")
    text = page_text(out)
    assert "仅显示" in out.scope and "占请求的" in out.totals
    assert set(frame(out, "per_day")["series"]) == {"输入（prompt）", "输出（completion）"}   # the legend
    assert set(frame(out, "model_requests")["series"]) == {"成功", "错误", "用户中止"}
    assert "bob-batch-jobs" in text and "alice" not in text and "Alpha Lab" not in text
    assert "1,111" not in text and "7,777,777" in text
    for who in ("admin", "alice"):
        assert not TRACEBACK.search(page_text(outputs(site, who)))
    assert not TRACEBACK.search(text)


def test_signed_out_users_get_a_readable_refusal(site) -> None:
    for who in (None, "nobody"):
        with pytest.raises(gr.Error, match="sign in again"):
            site.h.refresh(SINCE, UNTIL, "en", req(who))
        with pytest.raises(gr.Error, match="sign in again"):
            site.h.rank(UNTIL, "en", req(who))


def test_key_labels_are_distinct_and_the_master_key_is_named() -> None:
    key = lambda kid, name, prefix, owner=None: SimpleNamespace(id=kid, name=name, prefix=prefix,  # noqa: E731
                                                                 username=owner)
    keys = [key("k1", "default", "sk-maas-aa"), key("k2", "default", "sk-maas-bb"), key("k3", "ci", "sk-maas-cc")]
    assert usage.key_labels(keys, with_owner=False, locale="en") == {
        "k1": "default (sk-maas-aa…)", "k2": "default (sk-maas-bb…)", "k3": "ci"}
    owned = [key("k1", "default", "sk-maas-aa", "alice"), key("k2", "default", "sk-maas-bb", "bob")]
    assert usage.key_labels(owned, with_owner=True, locale="en") == {"k1": "default · alice", "k2": "default · bob"}
    assert usage.shown_name("master", "key", {}, "zh") == "主密钥"
    assert usage.shown_name("(none)", "organisation", {}, "zh") == "（无）"
    assert usage.shown_name("key_unknown", "key", {}, "en") == "key_unknown"


def test_stopped_answers_are_not_errors_and_a_keys_organisation_comes_from_its_application(site) -> None:
    """The chat model answered 2 of 3 and the user stopped one: 0 errors (it showed a 33% error rate); carol's
    profile names no organisation but her key's application did, and the ranking says so (it said "(none)")."""
    gw = site.gw
    carol = gw.accounts.create_user("carol", PASSWORD)
    app = gw.applications.submit(carol.id, {
        "name": "botany-notes", "contact_name": "Carol", "email": "carol@example.org",
        "organisation": "Institute of Botany", "phone": "+86 10 1234 5678",
        "purpose": "Summarising plant-physiology papers.", "models": ["qwen2.5-coder:0.5b"]})
    key_id = gw.applications.approve(app.id, gw.accounts.by_username("admin").id).key_id
    ledger = Ledger(gw.store)
    for i, status in enumerate((200, 200, 499)):                # the third: the user pressed Stop
        answered = row(100 + i, datetime(2026, 3, 4, 10, i), key_id, "qwen-chat", 300, 40)
        ledger.record(dataclasses.replace(answered, status=status, client_aborted=status == 499,
                                          error_code="client_aborted" if status == 499 else None))
    ledger.flush()
    out = outputs(site, "admin", "2026-03-04", "2026-03-04")
    shown = cards(out.totals)
    assert (shown["requests"], shown["errors"], shown["stopped"]) == ("3", "0", "1")
    assert "33.3% of requests; not errors" in out.totals
    model = re.search(r"<td>qwen-chat</td>(.*?)</tr>", out.model_table).group(1)
    assert re.findall(r">([^<]*)</td>", model)[:4] == ["3", "0", "0.0%", "1"]       # requests, errors, rate, stopped
    assert frame(out, "model_requests").values.tolist() == [
        ["qwen-chat", 2, "Succeeded"], ["qwen-chat", 0, "Errors"], ["qwen-chat", 1, "Stopped by the user"]]
    assert [r[0] for r in frame(out, "rank_organisation_plot").values.tolist()] == ["Institute of Botany"]
    assert "(none)" not in out.rank_organisation_table
    zh = outputs(site, "admin", "2026-03-04", "2026-03-04", lang="zh-CN")
    assert "用户中止" in zh.totals and "不计为错误" in zh.totals


def test_the_workbench_key_is_named_in_the_page_language(site) -> None:
    alice = site.gw.accounts.by_username("alice")
    site.gw.keys.workbench_key(alice.id)
    keys = site.gw.console.my_keys(site.gw.console.actor_for_username("alice"))
    labels = usage.key_labels(keys, with_owner=False, locale="zh")
    workbench = next(k.id for k in keys if k.purpose == "workbench")
    assert labels[workbench] == "工作台（对话与知识库）" and labels[site.keys["alice"]] == "alice-notebook"
