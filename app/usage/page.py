"""API usage dashboard: totals, tokens per day, the daily ranking by key / user / organisation, per model,
and a CSV export of the window.

The numbers come from ``Console.usage`` (``gateway.usage.stats.dashboard``), which scopes them: a member
sees only their own keys, an administrator everything; this page never filters on its own. Key ids in the
ranking become key names through the viewer's own key list (``Console.my_keys`` for a member, ``all_keys``
for an administrator), so a member never learns another user's key names.

The pure renderers (``parse_window``, ``key_labels``, ``totals_html``, the ``*_frame`` and ``*_html``
functions, ``export_links_html``) are separate from Gradio's layout; ``UsagePage(services)`` holds the handlers
(methods, which tests call directly): ``refresh`` answers with a ``UsageView``, ``rank`` with a ``RankView``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import gradio as gr

from app.shell import tables
from app.shell.access import WITH_LANG_JS, locale_of, run, signed_in
from app.shell.i18n import translate
from app.shell.tables import number as _num
from app.shell.views import View, shown
from app.usage.exports import csv_url, file_name
from gateway.accounts.console import Actor, Console
from gateway.usage import stats as usage_stats

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_DAYS = 30
QUICK_RANGES = (7, 30, 90)
MAX_DAYS = 366
RANK_BY = usage_stats.RANK_BY                    # key, user, organisation
RANK_NAME_COLUMN = {"key": "usage.col_key", "user": "usage.col_user", "organisation": "usage.col_organisation"}
MASTER_KEY_ID = "master"
# The plots' columns never change: Gradio 6.31 draws a plot from scratch when a property (columns, titles,
# sort) changes, and then with the data it had before. Titles are static i18n, translated in the browser;
# only the series names (the legend), carried in the data, are translated by the handler.
PLOT_COLUMNS = {"per_day": ("day", "tokens", "series"), "ranking": ("name", "tokens"),
                "model_requests": ("model", "requests", "series"), "model_average": ("model", "tokens", "series")}

CSS = tables.CSS + """
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 14px; }
.usage-csv-links { display: flex; gap: 10px; flex-wrap: wrap; }
.usage-csv { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px 12px;
  text-decoration: none; font-size: 0.9em; }
.card .label { color: var(--body-text-color-subdued); font-size: 0.9em; }
.card .value { font-size: 1.7em; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


class UsageInputError(ValueError):
    """A date or window the page cannot show; ``message`` is already in the page's language.

    The page shows it under the dates (not as an error toast: that would mark every panel as failed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- pure: dates


def today_utc() -> date:
    return datetime.now(UTC).date()


def default_window(today: date | None = None, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The ``days``-day window ending today (UTC)."""
    return usage_stats.window(today or today_utc(), days)


def parse_day(text: Any, field_key: str, locale: str) -> date:
    """A ``YYYY-MM-DD`` date (a date, a datetime or ``YYYY-MM-DD HH:MM:SS`` text also do); else a readable error."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    value = str(text or "").strip()
    for parse in (date.fromisoformat, lambda v: datetime.fromisoformat(v).date()):
        try:
            return parse(value)
        except ValueError:
            continue
    raise UsageInputError(translate("usage.bad_date", locale, field=translate(field_key, locale), value=value[:40],
                                    example=today_utc().isoformat()))


def parse_window(since: Any, until: Any, locale: str, today: date | None = None) -> tuple[date, date]:
    """The inclusive window the user asked for; an empty end is today (UTC), an empty start 30 days before it."""
    end = parse_day(until, "usage.field_until", locale) if str(until or "").strip() else (today or today_utc())
    start = (parse_day(since, "usage.field_since", locale) if str(since or "").strip()
             else usage_stats.window(end, DEFAULT_DAYS)[0])
    if start > end:
        raise UsageInputError(translate("usage.since_after_until", locale, since=start.isoformat(),
                                        until=end.isoformat()))
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise UsageInputError(translate("usage.too_long", locale, since=start.isoformat(), until=end.isoformat(),
                                        days=f"{days:,}", most=MAX_DAYS))
    return start, end


# ---------------------------------------------------------------- pure: names and numbers


def key_labels(keys: Sequence[Any], *, with_owner: bool, locale: str) -> dict[str, str]:
    """Key id -> a distinct label: the key's name (``name · owner`` for an administrator's view).

    ``keys`` is what the viewer may see (``Console.my_keys`` or ``all_keys``); labels that would repeat
    get the key's prefix, so every bar of a chart is one key."""
    labels: dict[str, str] = {}
    for key in keys:
        name = (translate("usage.master_key", locale) if key.id == MASTER_KEY_ID
                else translate("account.workbench_key", locale) if getattr(key, "purpose", None) == "workbench"
                else key.name)
        labels[key.id] = f"{name} · {key.username}" if with_owner and key.username else name
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    prefixes = {key.id: key.prefix for key in keys}
    return {kid: f"{label} ({prefixes[kid]}…)" if seen[label] > 1 else label for kid, label in labels.items()}


def shown_name(name: Any, by: str, labels: Mapping[str, str], locale: str) -> str:
    """A ranking row's name as shown: a key's label, ``(none)`` in the page's language, else the name."""
    if name is None or name == usage_stats.NONE:
        return translate("usage.none", locale)
    if by == "key":
        if name == MASTER_KEY_ID and name not in labels:
            return translate("usage.master_key", locale)
        return labels.get(name, str(name))
    return str(name)


def percent(part: int, whole: int) -> str:
    return "—" if not whole else f"{100 * part / whole:.1f}%"


# ---------------------------------------------------------------- pure: panels


def totals_html(totals: Mapping[str, int], locale: str) -> str:
    """Big numbers: requests, errors and answers the user stopped (each with its share; a stopped answer is not
    an error), prompt, completion, reasoning and total tokens."""
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    cards = [
        ("requests", "usage.card_requests", ""),
        ("errors", "usage.card_errors", t("usage.error_rate", rate=percent(totals["errors"], totals["requests"]))),
        ("stopped", "usage.card_stopped", t("usage.stopped_note", rate=percent(totals.get("stopped", 0),
                                                                                totals["requests"]))),
        ("prompt_tokens", "usage.card_prompt", ""),
        ("completion_tokens", "usage.card_completion", ""),
        ("reasoning_tokens", "usage.card_reasoning", t("usage.reasoning_note")),
        ("total_tokens", "usage.card_total", ""),
    ]
    out = []
    for field, label, note in cards:
        out.append(f'<div class="card" data-total="{field}"><div class="label">{tables.esc(t(label))}</div>'
                   f'<div class="value">{_num(totals.get(field, 0))}</div>'
                   + (f'<div class="muted">{tables.esc(note)}</div>' if note else "") + "</div>")
    return f'<div class="cards">{"".join(out)}</div>'


def per_day_frame(per_day: Sequence[Mapping[str, Any]], locale: str) -> pd.DataFrame:
    """Tokens per day, long form: one (day, tokens, series) row per day and prompt | completion (stacked bars)."""
    import pandas as pd

    prompt, completion = translate("usage.series_prompt", locale), translate("usage.series_completion", locale)
    rows = []
    for row in per_day:
        rows.append((row["day"].isoformat(), int(row["prompt_tokens"]), prompt))
        rows.append((row["day"].isoformat(), int(row["completion_tokens"]), completion))
    return pd.DataFrame(rows, columns=list(PLOT_COLUMNS["per_day"]))


def ranking_frame(rows: Sequence[Mapping[str, Any]], by: str, labels: Mapping[str, str], locale: str) -> pd.DataFrame:
    """The ranking as (name, tokens) rows for a bar chart, in rank order."""
    import pandas as pd

    return pd.DataFrame([(shown_name(r["name"], by, labels, locale), int(r["total_tokens"])) for r in rows],
                        columns=list(PLOT_COLUMNS["ranking"]))


def _numeric_table(heads: Sequence[str], rows: list[list[str]], empty: str, first_text_columns: int) -> str:
    """An HTML table whose columns after the first ``first_text_columns`` are right-aligned numbers."""
    if not rows:
        return f'<div class="empty">{tables.esc(empty)}</div>'
    cls = lambda j: ' class="num"' if j >= first_text_columns else ""  # noqa: E731
    head = "".join(f"<th{cls(j)}>{tables.esc(h)}</th>" for j, h in enumerate(heads))
    body = "".join("<tr>" + "".join(f"<td{cls(j)}>{tables.esc(c)}</td>" for j, c in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def ranking_html(rows: Sequence[Mapping[str, Any]], by: str, labels: Mapping[str, str], day: date,
                 locale: str) -> str:
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    heads = [t("usage.col_rank"), t(RANK_NAME_COLUMN[by]), t("usage.col_requests"), t("usage.col_errors"),
             t("usage.col_stopped"), t("usage.col_prompt"), t("usage.col_completion"), t("usage.col_total")]
    body = [[str(r["rank"]), shown_name(r["name"], by, labels, locale), _num(r["requests"]), _num(r["errors"]),
             _num(r["stopped"]), _num(r["prompt_tokens"]), _num(r["completion_tokens"]), _num(r["total_tokens"])]
            for r in rows]
    return _numeric_table(heads, body, t("usage.no_usage_day", day=day.isoformat()), 2)


def _model_name(model: Any, locale: str) -> str:
    return translate("usage.none", locale) if model in (None, usage_stats.NONE) else str(model)


def model_requests_frame(models: Sequence[Mapping[str, Any]], locale: str) -> pd.DataFrame:
    """Per model: succeeded, failed and stopped requests, long form (stacked bars: the bar's height is all
    requests)."""
    import pandas as pd

    ok, errors = translate("usage.series_ok", locale), translate("usage.series_errors", locale)
    stopped = translate("usage.series_stopped", locale)
    rows = []
    for m in models:
        name = _model_name(m["model"], locale)
        rows.append((name, int(m["requests"]) - int(m["errors"]) - int(m["stopped"]), ok))
        rows.append((name, int(m["errors"]), errors))
        rows.append((name, int(m["stopped"]), stopped))
    return pd.DataFrame(rows, columns=list(PLOT_COLUMNS["model_requests"]))


def model_average_frame(models: Sequence[Mapping[str, Any]], locale: str) -> pd.DataFrame:
    """Per model: average input and output tokens per request, long form (stacked: their sum per request)."""
    import pandas as pd

    prompt, completion = translate("usage.series_avg_prompt", locale), translate("usage.series_avg_completion", locale)
    rows = []
    for m in models:
        name = _model_name(m["model"], locale)
        rows.append((name, round(float(m["avg_prompt_tokens"] or 0), 1), prompt))
        rows.append((name, round(float(m["avg_completion_tokens"] or 0), 1), completion))
    return pd.DataFrame(rows, columns=list(PLOT_COLUMNS["model_average"]))


def models_html(models: Sequence[Mapping[str, Any]], since: date, until: date, locale: str) -> str:
    t = lambda k, **f: translate(k, locale, **f)  # noqa: E731
    heads = [t("usage.col_model"), t("usage.col_requests"), t("usage.col_errors"), t("usage.col_error_rate"),
             t("usage.col_stopped"), t("usage.col_avg_prompt"), t("usage.col_avg_completion"), t("usage.col_total")]
    body = [[_model_name(m["model"], locale), _num(m["requests"]), _num(m["errors"]),
             percent(m["errors"], m["requests"]), _num(m["stopped"]), _num(m["avg_prompt_tokens"]),
             _num(m["avg_completion_tokens"]), _num(m["total_tokens"])] for m in models]
    return _numeric_table(heads, body, t("usage.no_usage_window", since=since.isoformat(), until=until.isoformat()),
                          1)


def export_links_html(since: date, until: date, locale: str) -> str:
    """The window's CSV exports as links to ``app.usage_export``'s checked route (never Gradio's file cache)."""
    links = []
    for kind, label in (("per-day", "usage.csv_per_day"), ("per-model", "usage.csv_per_model")):
        url = html.escape(csv_url(kind, since.isoformat(), until.isoformat()))
        name = html.escape(file_name(kind, since.isoformat(), until.isoformat()))
        links.append(f'<a class="usage-csv" id="usage-csv-{kind}" href="{url}" download="{name}">'
                     f"{html.escape(translate(label, locale))}</a>")
    return '<div class="usage-csv-links">' + " ".join(links) + "</div>"


# ---------------------------------------------------------------- handlers


class UsageServices(Protocol):
    """What the usage page uses of the gateway (``gateway.service.Gateway`` has it)."""

    console: Console              # the numbers, scoped to the viewer; the viewer's key names


@dataclass
class RankView(View):
    """The daily ranking for one day: a bar chart (hidden when empty) and a table per ``RANK_BY``.
    A day that is not a date is said in ``rank_note``; the panels are then ``gr.skip()`` (they stay as they were)."""

    rank_note: str                # which day (Markdown), or why that day cannot be shown
    rank_key_plot: Any            # gr.update(value=<(name, tokens) frame>, visible=...)
    rank_key_table: str           # HTML
    rank_user_plot: Any
    rank_user_table: str
    rank_organisation_plot: Any
    rank_organisation_table: str


@dataclass
class DatesView(View):
    """The window's dates as shown in the date boxes (ISO)."""

    since: str
    until: str


@dataclass
class UsageView(RankView, DatesView):
    """Every panel for a window, the ranking for its last day. A window the page cannot show is said in
    ``window``; every other field is then ``gr.skip()`` (the panels keep what they show)."""

    scope: str                    # whose numbers these are (Markdown)
    window: str                   # the window and when it was read (Markdown), or why it cannot be shown
    totals: str                   # the big numbers (HTML cards)
    per_day: pd.DataFrame         # tokens per day, prompt | completion (stacked bars)
    rank_day: Any                 # the days one may rank (dropdown update; the last chosen)
    model_requests: pd.DataFrame  # per model: succeeded, failed, stopped
    model_average: pd.DataFrame   # per model: average input and output tokens per request
    model_table: str              # per model (HTML)
    csv_links: str                # the window's CSV exports (HTML links to app.http.usage_export)


def _only(view: type[View], **values: Any) -> Any:
    """``view`` with ``values`` and every other field ``gr.skip()`` (left as the page shows it)."""
    return view(**{name: values.get(name, gr.skip()) for name in view.names()})


def _problem(exc: UsageInputError) -> str:
    return f"⚠️ **{exc.message}**"


class UsagePage:
    """The usage page's handlers over ``services.console``, which scopes every number to the viewer."""

    def __init__(self, services: UsageServices) -> None:
        self.services = services

    def _who(self, lang: str | None, request: gr.Request | None) -> tuple[str, Actor]:
        locale = locale_of(lang, request)
        return locale, signed_in(self.services.console, request, locale)

    def _labels(self, actor: Actor, locale: str) -> dict[str, str]:
        console = self.services.console
        keys = console.all_keys(actor) if actor.is_admin else console.my_keys(actor)
        return key_labels(keys, with_owner=actor.is_admin, locale=locale)

    @staticmethod
    def _ranking(ranking: Mapping[str, list], day: date, labels: Mapping[str, str], locale: str) -> dict[str, Any]:
        """The ranking panels by ``RankView`` field name."""
        out: dict[str, Any] = {"rank_note": translate("usage.rank_note", locale, day=day.isoformat())}
        for by in RANK_BY:
            frame = ranking_frame(ranking[by], by, labels, locale)
            out[f"rank_{by}_plot"] = gr.update(value=frame, visible=not frame.empty)
            out[f"rank_{by}_table"] = ranking_html(ranking[by], by, labels, day, locale)
        return out

    def refresh(self, since: Any, until: Any, lang: str, request: gr.Request) -> UsageView:
        """Every panel for the window [since, until]; the ranking is for its last day."""
        locale, actor = self._who(lang, request)
        try:
            start, end = parse_window(since, until, locale)
        except UsageInputError as exc:         # said under the dates; every panel keeps what it shows
            return _only(UsageView, window=_problem(exc))
        data = run(locale, self.services.console.usage, actor, start, end)
        days = [d.isoformat() for d in (end - timedelta(days=i) for i in range((end - start).days + 1))]
        window = translate("usage.window", locale, since=start.isoformat(), until=end.isoformat(),
                           days=f"{len(days):,}", time=datetime.now(UTC).strftime("%H:%M:%S"))
        return UsageView(
            since=start.isoformat(), until=end.isoformat(),
            scope=translate("usage.scope_admin" if actor.is_admin else "usage.scope_member", locale), window=window,
            totals=totals_html(data["totals"], locale), per_day=per_day_frame(data["per_day"], locale),
            rank_day=gr.update(choices=days, value=days[0]),
            **self._ranking(data["ranking"], end, self._labels(actor, locale), locale),
            model_requests=model_requests_frame(data["per_model"], locale),
            model_average=model_average_frame(data["per_model"], locale),
            model_table=models_html(data["per_model"], start, end, locale),
            csv_links=export_links_html(start, end, locale))

    def rank(self, day: Any, lang: str, request: gr.Request) -> RankView:
        """The ranking panels for another day of the window."""
        locale, actor = self._who(lang, request)
        try:
            chosen = parse_day(day, "usage.field_rank_day", locale)
        except UsageInputError as exc:
            return _only(RankView, rank_note=_problem(exc))
        data = run(locale, self.services.console.usage, actor, chosen, chosen)
        return RankView(**self._ranking(data["ranking"], chosen, self._labels(actor, locale), locale))

    def quick(self, days: int) -> DatesView:
        """The quick range's dates (the page then refreshes)."""
        start, end = default_window(days=days)
        return DatesView(since=start.isoformat(), until=end.isoformat())

    # ------------------------------------------------------------ layout

    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the usage page in the current route and wire it."""
        lang = gr.Textbox(visible=False)
        gr.Markdown(i18n("usage.title"))
        gr.Markdown(i18n("usage.intro"))
        scope = gr.Markdown(elem_id="usage-scope")
        with gr.Row(equal_height=True):
            # empty until the first refresh fills in the default window (built at start-up, "today" moves on)
            since = gr.DateTime(None, include_time=False, type="string", label=i18n("usage.since"),
                                elem_id="usage-since", scale=2)
            until = gr.DateTime(None, include_time=False, type="string", label=i18n("usage.until"),
                                elem_id="usage-until", scale=2)
            with gr.Column(scale=3, min_width=260):
                with gr.Row():
                    quick = [gr.Button(i18n(f"usage.last_{n}"), size="sm", min_width=80, elem_id=f"usage-last-{n}")
                             for n in QUICK_RANGES]
                refresh_btn = gr.Button(i18n("usage.refresh"), variant="primary", size="sm", elem_id="usage-refresh")
        window = gr.Markdown(elem_id="usage-window")

        gr.Markdown(i18n("usage.totals_heading"))
        totals = gr.HTML(css_template=CSS, elem_id="usage-totals")
        gr.Markdown(i18n("usage.per_day_heading"))
        per_day = _bar("per_day", [i18n("usage.col_day"), i18n("usage.col_tokens"), i18n("usage.col_series")],
                       "usage-per-day", angle=-45)

        gr.Markdown(i18n("usage.ranking_heading"))
        with gr.Row(equal_height=True):
            rank_day = gr.Dropdown(label=i18n("usage.rank_day"), choices=[], scale=1, elem_id="usage-rank-day")
            rank_note = gr.Markdown(elem_id="usage-rank-note")
        panels: dict[str, Any] = {}
        with gr.Tabs():
            for by in RANK_BY:
                with gr.Tab(i18n(f"usage.by_{by}"), id=f"rank-{by}"):
                    panels[f"rank_{by}_plot"] = _bar("ranking", [i18n(RANK_NAME_COLUMN[by]), i18n("usage.col_total")],
                                                     f"usage-rank-{by}-plot", angle=-30, sort="-y")
                    panels[f"rank_{by}_table"] = gr.HTML(css_template=CSS, elem_id=f"usage-rank-{by}")

        gr.Markdown(i18n("usage.models_heading"))
        with gr.Row():
            model_requests = _bar("model_requests", [i18n("usage.col_model"), i18n("usage.col_count"),
                                                     i18n("usage.col_series")], "usage-model-requests",
                                  label=i18n("usage.models_requests"), angle=-30)
            model_average = _bar("model_average", [i18n("usage.col_model"), i18n("usage.col_avg"),
                                                   i18n("usage.col_series")], "usage-model-average",
                                 label=i18n("usage.models_average"), angle=-30)
        model_table = gr.HTML(css_template=CSS, elem_id="usage-models")

        gr.Markdown(i18n("usage.export_heading"))
        with gr.Row():
            csv_links = gr.HTML(css_template=CSS, elem_id="usage-csv")

        components = {"since": since, "until": until, "scope": scope, "window": window, "totals": totals,
                      "per_day": per_day, "rank_day": rank_day, "rank_note": rank_note, **panels,
                      "model_requests": model_requests, "model_average": model_average, "model_table": model_table,
                      "csv_links": csv_links}
        refresh = {"fn": shown(self.refresh), "inputs": [since, until, lang], "outputs": UsageView.pick(components),
                   "js": WITH_LANG_JS, "show_progress": "minimal", "concurrency_limit": 4}
        gr.on([page.load, refresh_btn.click, since.submit, until.submit], **refresh)
        for n, button in zip(QUICK_RANGES, quick, strict=True):
            button.click(functools.partial(shown(self.quick), n), outputs=DatesView.pick(components),
                         show_progress="hidden", queue=False).then(**refresh)
        rank_day.input(shown(self.rank), inputs=[rank_day, lang], outputs=RankView.pick(components), js=WITH_LANG_JS,
                       show_progress="minimal", concurrency_limit=4)


# ---------------------------------------------------------------- layout


def _bar(kind: str, titles: Sequence[Any], elem_id: str, *, label: Any = None, angle: float = 0,
         sort: str | None = None) -> gr.BarPlot:
    """A bar chart of ``PLOT_COLUMNS[kind]`` (stacked by the third column if any): y from 0, labels like
    1,234,567; x ascending unless ``sort`` (a ranking: ``-y``, the highest first)."""
    columns = PLOT_COLUMNS[kind]
    stacked = len(columns) == 3
    return gr.BarPlot(x=columns[0], y=columns[1], color=columns[2] if stacked else None, x_title=titles[0],
                      y_title=titles[1], color_title=titles[2] if stacked else None, label=label,
                      show_label=label is not None, y_lim=[0, None], y_axis_format=",.0f", x_label_angle=angle,
                      tooltip="axis", sort=sort, elem_id=elem_id)


def build(page: gr.Blocks, gateway: UsageServices, i18n: gr.I18n) -> None:
    """Lay out the usage page in the current route (``app.ui``'s way of building every page)."""
    UsagePage(gateway).build(page, i18n)
