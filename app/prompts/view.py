"""The prompt page's pure renderers: the prompts' tables, a version's choice label, the coloured diff, the
requirement checklist, the cases as a table and back, the graders, a run's summary and cells, an optimisation's
rounds, and the data of the charts.

Every user's word is escaped (``tables.esc``): a prompt's text, a model's output and a case's values show as text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd

from app.shell import tables
from app.shell.i18n import translate
from app.shell.tables import badge, esc
from workbench.prompt_studio.cases import TRUE, Case, with_id
from workbench.prompt_studio.graders import Grader
from workbench.prompt_studio.matrix import Cell, Summary
from workbench.prompt_studio.optimise import Round
from workbench.prompt_studio.records import Prompt, Score, Version
from workbench.prompt_studio.requirements import Check, describe

CSS = tables.CSS + """
.ps-diff { font-family: var(--font-mono); font-size: 0.9em; white-space: pre-wrap; border: 1px solid
  var(--border-color-primary); border-radius: 6px; padding: 6px 0; }
.ps-diff div { padding: 0 9px; }
.ps-add { background: #dcfce7; color: #166534; }
.ps-del { background: #fee2e2; color: #991b1b; }
.ps-hunk { color: var(--body-text-color-subdued); }
.ps-check { list-style: none; padding-left: 0; }
.ps-ok { color: #166534; } .ps-bad { color: #991b1b; font-weight: 600; }
.ps-side { display: flex; gap: 12px; } .ps-side > div { flex: 1; min-width: 0; }
.ps-text { white-space: pre-wrap; font-family: var(--font-mono); font-size: 0.9em; border: 1px solid
  var(--border-color-primary); border-radius: 6px; padding: 6px 9px; }
.b-production { background: #dcfce7; color: #166534; } .b-label { background: #e0e7ff; color: #3730a3; }
"""


def t(locale: str, key: str, **fields: Any) -> str:
    return translate(key, locale, **fields)


def word(locale: str, group: str, value: str) -> str:
    """A stored value in words (``source``, ``role``, ``event``, ``part``, ``kind``), itself when unknown."""
    text = translate(f"prompts.{group}_{value}", locale)
    return value if text.startswith("prompts.") else text


# ---------------------------------------------------------------- prompts and versions


def labels_html(labels: Mapping[str, int]) -> str:
    return " ".join(badge(f"{label}=v{number}", "production" if label == "production" else "label")
                    for label, number in labels.items())


def prompts_html(prompts: Sequence[Prompt], team_names: Mapping[str, str], locale: str, empty_key: str) -> str:
    """Prompts as a table: name and description, labels, latest version, team, the caller's role, updated."""
    rows = []
    for p in prompts:
        name = f"<b>{esc(p.name)}</b>" + (f'<div class="muted">{esc(p.description)}</div>' if p.description else "")
        rows.append([name, labels_html(p.labels), esc(f"v{p.latest}"), esc(team_names.get(p.team_id, "—")),
                     esc(word(locale, "role", p.role)), esc(tables.when(p.updated_at))])
    heads = [t(locale, f"prompts.col_{c}") for c in ("name", "labels", "latest", "team", "role", "updated")]
    return tables.table(heads, rows, t(locale, empty_key), raw_columns=range(6), row_ids=[p.id for p in prompts])


def prompt_choices(prompts: Sequence[Prompt]) -> list[tuple[str, str]]:
    return [(p.name, p.id) for p in prompts]


def head_html(prompt: Prompt, team_name: str, locale: str) -> str:
    """The open prompt's heading: its name, labels, team and the caller's role."""
    public = f" {badge(t(locale, 'prompts.public'), 'approved')}" if prompt.public else ""
    forked = (f'<div class="muted">{esc(t(locale, "prompts.forked_from", source=prompt.forked_from))}</div>'
              if prompt.forked_from else "")
    info = t(locale, "prompts.head_info", team=team_name, role=word(locale, "role", prompt.role),
             latest=prompt.latest)
    chat = f"/chat?prompt={quote(prompt.name)}"
    use = f'<a class="ps-use-chat" href="{esc(chat)}" target="_blank">{esc(t(locale, "prompts.use_in_chat"))}</a>'
    return (f"<h3>{esc(prompt.name)} {labels_html(prompt.labels)}{public}</h3>"
            f'<div class="muted">{esc(info)} · {use}</div>{forked}')


def score_text(score: Score, locale: str) -> str:
    part = "" if score.part == "all" else f" {word(locale, 'score', score.part)}"
    return f"{score.model}{part} {score.score:.2f} ({score.passed}/{score.cases})"


def version_label(version: Version, locale: str) -> str:
    """``v3 · improved · the note · model 0.80 (8/10)``."""
    parts = [f"v{version.number}", word(locale, "source", version.source)]
    if version.note and version.source != "optimised":      # the optimiser's note is its scores, shown below
        parts.append(version.note[:60])
    if version.scores:
        parts.append(score_text(version.scores[0], locale))
    return " · ".join(parts)


def version_choices(versions: Sequence[Version], locale: str) -> list[tuple[str, str]]:
    return [(version_label(v, locale), str(v.number)) for v in versions]


def scores_html(version: Version, locale: str) -> str:
    if not version.scores:
        return f'<div class="muted">{esc(t(locale, "prompts.no_scores"))}</div>'
    return "<br>".join(esc(score_text(s, locale)) for s in version.scores)


def compare_html(a: Version, b: Version, locale: str) -> str:
    """Two versions side by side: their system and user parts and their scores."""
    def side(v: Version) -> str:
        return (f"<div><h4>{esc(version_label(v, locale))}</h4>"
                f"<b>{esc(t(locale, 'prompts.f_system'))}</b><div class='ps-text'>{esc(v.template.system)}</div>"
                f"<b>{esc(t(locale, 'prompts.f_user'))}</b><div class='ps-text'>{esc(v.template.user)}</div>"
                f"<b>{esc(t(locale, 'prompts.scores'))}</b><div>{scores_html(v, locale)}</div></div>")
    return f"<div class='ps-side'>{side(a)}{side(b)}</div>"


# ---------------------------------------------------------------- diff and checklist


def diff_html(diff: str) -> str:
    """A unified diff coloured: added lines green, removed red, hunk headers muted (file headers left out)."""
    lines = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        css = "ps-add" if line.startswith("+") else "ps-del" if line.startswith("-") else (
            "ps-hunk" if line.startswith("@@") else "")
        lines.append(f'<div class="{css}">{esc(line) or "&nbsp;"}</div>')
    return f'<div class="ps-diff">{"".join(lines)}</div>' if lines else ""


def checklist_html(checks: Sequence[Check], locale: str) -> str:
    """Every requirement of the original: ✓ kept or ✗ dropped, in the page's language."""
    if not checks:
        return ""
    items = "".join(f'<li class="{"ps-ok" if c.kept else "ps-bad"}">{"✓" if c.kept else "✗"} '
                    f"{esc(describe(c).text(locale))}</li>" for c in checks)
    return f'<b>{esc(t(locale, "prompts.checklist"))}</b><ul class="ps-check">{items}</ul>'


# ---------------------------------------------------------------- cases and graders


def case_names(template_names: Sequence[str], cases: Sequence[Case]) -> list[str]:
    """The table's variable columns: the template's variables, then any other the cases have."""
    names = list(template_names)
    for case in cases:
        names += [name for name in case.variables if name not in names]
    return names


def reserved_headers(locale: str) -> list[str]:
    return [t(locale, "prompts.col_expected"), t(locale, "prompts.col_criteria"), t(locale, "prompts.col_drafted")]


def cases_frame(cases: Sequence[Case], names: Sequence[str], locale: str) -> pd.DataFrame:
    """The cases as the editable table: a column per variable, then expected, criteria, drafted."""
    yes = t(locale, "prompts.yes")
    rows = [[case.variables.get(n, "") for n in names] + [case.expected, case.criteria, yes if case.drafted else ""]
            for case in cases]
    return pd.DataFrame(rows or [[""] * (len(names) + 3)], columns=[*names, *reserved_headers(locale)])


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def cases_from_frame(frame: Any) -> list[Case]:
    """The table as edited: its variable columns by their headers, then expected, criteria and drafted by position;
    empty rows left out."""
    if frame is None or not hasattr(frame, "columns"):
        return []
    names = [str(name) for name in list(frame.columns)[:-3]]
    cases = []
    for row in frame.values.tolist():
        cells = [_cell(v) for v in row] + [""] * (len(names) + 3 - len(row))
        if not any(c.strip() for c in cells):
            continue
        variables = dict(zip(names, cells[:len(names)], strict=True))
        drafted = unicodedata.normalize("NFKC", cells[len(names) + 2]).strip().lower() in TRUE | {"yes", "✓"}
        cases.append(with_id(Case(variables, cells[len(names)], cells[len(names) + 1], drafted)))
    return cases


def kind_choices(kinds: Sequence[str], locale: str) -> list[tuple[str, str]]:
    return [(word(locale, "kind", kind), kind) for kind in kinds]


def grader_text(g: Grader, locale: str) -> str:
    parts = [word(locale, "kind", g.kind)]
    if g.value:
        parts.append(g.value[:60])
    if g.kind == "numeric" and g.tolerance:
        parts.append(f"± {g.tolerance:g}")
    if g.ignore_case:
        parts.append(t(locale, "prompts.ignore_case_short"))
    parts.append(t(locale, "prompts.weight_short", weight=f"{g.weight:g}"))
    return " · ".join(parts)


def graders_html(graders: Sequence[Grader], locale: str) -> str:
    rows = [[str(i + 1), word(locale, "kind", g.kind), g.value[:200], f"{g.tolerance:g}",
             t(locale, "prompts.yes") if g.ignore_case else "", f"{g.weight:g}"] for i, g in enumerate(graders)]
    heads = [t(locale, f"prompts.col_{c}") for c in ("number", "kind", "value", "tolerance", "ignore_case",
                                                       "weight")]
    return tables.table(heads, rows, t(locale, "prompts.no_graders"))


# ---------------------------------------------------------------- runs and optimisations


def summary_html(summaries: Sequence[Summary], locale: str) -> str:
    rows = [[s.column, s.model, f"{s.score:.2f}", f"{s.passed}/{s.cases}", str(s.errors),
             tables.number(s.prompt_tokens + s.completion_tokens), f"{s.latency_ms:,.0f} ms"] for s in summaries]
    heads = [t(locale, f"prompts.col_{c}") for c in ("version", "model", "score", "passed", "errors", "tokens",
                                                       "latency")]
    return tables.table(heads, rows, t(locale, "prompts.no_run"))


def scores_frame(summaries: Sequence[Summary]) -> pd.DataFrame:
    """The bar chart's data: a bar per version and model."""
    return pd.DataFrame([{"version": f"{s.column} · {s.model}", "score": s.score} for s in summaries],
                        columns=["version", "score"])


def cells_html(cells: Sequence[Cell], case_numbers: Mapping[str, int], locale: str) -> str:
    rows = [[str(case_numbers.get(c.case_id, "?")), c.column, c.model, c.output[:500], f"{c.score:.2f}",
             c.feedback.text(locale)[:300], tables.number(c.prompt_tokens + c.completion_tokens),
             f"{c.latency_ms:,.0f} ms", t(locale, "prompts.yes") if c.cached else ""] for c in cells]
    heads = [t(locale, f"prompts.col_{c}") for c in ("case", "version", "model", "output", "score", "feedback",
                                                       "tokens", "cell_latency", "cached")]
    return tables.table(heads, rows, t(locale, "prompts.no_run"))


def rounds_frame(rounds: Sequence[Round], locale: str) -> pd.DataFrame:
    """The line chart's data: the training and held-out score of each round, as two series."""
    train, held = t(locale, "prompts.series_train"), t(locale, "prompts.series_held_out")
    rows = [{"round": r.number, "score": score, "series": name}
            for r in rounds for name, score in ((train, r.train), (held, r.held_out))]
    return pd.DataFrame(rows, columns=["round", "score", "series"])


def rounds_html(rounds: Sequence[Round], locale: str) -> str:
    rows = [[str(r.number), word(locale, "event", r.event), word(locale, "part", r.part) if r.part else "—",
             f"{r.train:.2f}", f"{r.held_out:.2f}", str(r.calls)] for r in rounds]
    heads = [t(locale, f"prompts.col_{c}") for c in ("round", "event", "part", "train", "held_out", "calls")]
    return tables.table(heads, rows, t(locale, "prompts.no_rounds"))
