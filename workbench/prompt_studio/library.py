"""The prompt library: prompts with immutable versions, labels that move between them, sharing like a KB.

    library = Library(store, access, teams)
    prompt = library.create("u-alice", "合同抽取", Template(system, user))          # version 1, in her space
    v2 = library.add_version("u-alice", prompt.id, better, source="improved", parent=1)
    library.set_label("u-alice", prompt.id, "production", v2.number)
    prompt, version = library.resolve("u-bob", "合同抽取", label="production")   # NotFound until it is shared

A prompt belongs to a team or to its maker's personal space, as a knowledge base does (``workbench.kb.access``):
its team's members read it (any role), members and up write versions, cases and labels, admins and up rename,
publish, move and delete it, and only admins and up move ``production``. ``public`` puts it in the square: any
signed-in user reads and forks it, never changes it. Whoever may not read a prompt gets ``PromptNotFound`` with the
words of a missing one. A name is unique in the workbench, as it is the API's address (``/prompts/v1/<name>``).
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from typing import Any

from shared.messages import Message
from workbench.kb.access import RANK, Access
from workbench.kb.teams import Teams
from workbench.messages import MESSAGES
from workbench.store import Store, utcnow

from .errors import PromptForbidden, PromptInvalid, PromptNotFound
from .records import Params, Prompt, Score, Version
from .templates import Example, Template, check_template

NAME = re.compile(r"^[^\W_][\w.-]{0,79}$")
LABEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
LATEST = "latest"                       # not a stored label: the newest version
PRODUCTION = "production"
SOURCES = ("written", "generated", "improved", "optimised", "imported", "forked")
MAX_DESCRIPTION = 500
MAX_NOTE = 500
MAX_LABELS = 20
ACTIONS = {"read": "reader", "write": "member", "manage": "admin"}

_PROMPT = ("SELECT p.id, p.name, p.team_id, p.description, p.public, p.forked_from, p.created_by, p.created_at, "
           "p.updated_at, (SELECT max(version) FROM prompt_versions v WHERE v.prompt_id = p.id), m.role "
           "FROM prompts p LEFT JOIN team_members m ON m.team_id = p.team_id AND m.user_id = $user ")


def _doing(action: str) -> Message:
    return MESSAGES.message(f"prompt.doing.{action}")


class Library:
    """Prompts, versions, labels and scores in the workbench store, permission-checked on every call."""

    def __init__(self, store: Store, access: Access, teams: Teams) -> None:
        self._store, self._access, self._teams = store, access, teams

    # -- reading ----------------------------------------------------------------------------------------------
    def _prompts(self, user_id: str, where: str, **params: Any) -> list[Prompt]:
        rows = self._store.cursor().execute(_PROMPT + where, {"user": user_id, **params}).fetchall()
        found = []
        for row in rows:
            role = row[10] or ("reader" if row[4] else None)
            if role:
                found.append(Prompt(*row[:9], latest=int(row[9] or 0), role=role))
        return self._labelled(found)

    def _labelled(self, prompts: list[Prompt]) -> list[Prompt]:
        if not prompts:
            return prompts
        rows = self._store.cursor().execute(
            "SELECT prompt_id, label, version FROM prompt_labels WHERE list_contains($ids, prompt_id) ORDER BY label",
            {"ids": [p.id for p in prompts]}).fetchall()
        labels: dict[str, dict[str, int]] = {}
        for prompt_id, label, version in rows:
            labels.setdefault(prompt_id, {})[label] = version
        return [Prompt(**{**p.__dict__, "labels": labels.get(p.id, {})}) for p in prompts]

    def require(self, user_id: str, prompt_id: str, action: str = "read") -> Prompt:
        """The prompt if ``user_id`` may do ``action`` (read / write / manage) on it; PromptNotFound if they may
        not even read it, PromptForbidden naming the role needed if they may read but not do it."""
        found = self._prompts(user_id, "WHERE p.id = $id", id=prompt_id) if user_id and prompt_id else []
        if not found:
            raise PromptNotFound("prompt.not_found", "prompt")
        prompt = found[0]
        needed = ACTIONS[action]
        if RANK[prompt.role] < RANK[needed]:
            you = (MESSAGES.message("you.reader") if prompt.role == "reader"
                   else MESSAGES.message("you.role", role=MESSAGES.message(f"role.{prompt.role}")))
            raise PromptForbidden("prompt.forbidden", "role", doing=_doing(action),
                                  needed=MESSAGES.message(f"role.{needed}"), you=you)
        return prompt

    def get(self, user_id: str, prompt_id: str) -> Prompt:
        """A prompt the user may read."""
        return self.require(user_id, prompt_id)

    def by_name(self, user_id: str, name: str) -> Prompt:
        """The prompt called ``name`` if the user may read it (PromptNotFound otherwise, as for no such name)."""
        found = self._prompts(user_id, "WHERE p.name = $name", name=name) if user_id and isinstance(name, str) else []
        if not found:
            raise PromptNotFound("prompt.not_found", "name")
        return found[0]

    def list_for(self, user_id: str) -> list[Prompt]:
        """The prompts of the user's teams and personal space, the last changed first."""
        if not user_id:
            return []
        return self._prompts(user_id, "WHERE m.role IS NOT NULL ORDER BY p.updated_at DESC")

    def teams_for(self, user_id: str) -> list[Any]:
        """The user's teams with their role (the personal space first): where their prompts can be."""
        return self._teams.list_for(user_id) if user_id else []

    def square(self, user_id: str) -> list[Prompt]:
        """The public prompts (any team's), the last changed first."""
        if not user_id:
            return []
        return self._prompts(user_id, "WHERE p.public ORDER BY p.updated_at DESC LIMIT 500")

    def search(self, user_id: str, query: str, *, limit: int = 20) -> list[Prompt]:
        """Prompts the user may read whose name, description or latest template has the query's words (Chinese by
        characters), the best match first."""
        words = _terms(query)
        if not user_id or not words:
            return []
        candidates = self._prompts(user_id, "WHERE m.role IS NOT NULL OR p.public")
        if not candidates:
            return []
        texts = dict(self._store.cursor().execute(
            "SELECT v.prompt_id, v.system || ' ' || v.user_text FROM prompt_versions v WHERE list_contains($ids, "
            "v.prompt_id) AND v.version = (SELECT max(version) FROM prompt_versions w WHERE w.prompt_id = "
            "v.prompt_id)", {"ids": [p.id for p in candidates]}).fetchall())
        scored = []
        for prompt in candidates:
            name, body = _fold(f"{prompt.name} {prompt.description}"), _fold(texts.get(prompt.id, ""))
            score = sum(3 * (word in name) + (word in body) for word in words)
            if score:
                scored.append((-score, prompt.name, prompt))
        return [prompt for *_, prompt in sorted(scored, key=lambda item: item[:2])[:limit]]

    # -- prompts ----------------------------------------------------------------------------------------------
    def create(self, user_id: str, name: str, template: Template, *, team_id: str | None = None,
               description: str = "", params: Params = Params(), source: str = "written", note: str = "",
               forked_from: str = "") -> Prompt:
        """A new prompt with ``template`` as version 1, in the team (member+) or the maker's personal space."""
        team = (self._access.require_team(user_id, team_id, "view") if team_id
                else self._teams.personal_space(user_id))
        if team.role not in ("owner", "admin", "member"):
            raise PromptForbidden("prompt.team_viewer", "team_id")
        name = _name(name)
        description = _text(description, "description", MAX_DESCRIPTION)
        template = check_template(template)
        now, prompt_id = utcnow(), uuid.uuid4().hex
        with self._store.transaction() as cur:
            if cur.execute("SELECT 1 FROM prompts WHERE name = ?", [name]).fetchone():
                raise PromptInvalid("prompt.name_taken", "name", name=name)
            cur.execute("INSERT INTO prompts VALUES (?, ?, ?, ?, FALSE, ?, '[]', ?, ?, ?)",
                        [prompt_id, name, team.id, description, forked_from, user_id, now, now])
            self._insert_version(cur, prompt_id, 1, template, params, note, source, None, user_id)
        return self.require(user_id, prompt_id)

    def update(self, user_id: str, prompt_id: str, *, name: str | None = None,
               description: str | None = None) -> Prompt:
        """Rename or describe a prompt anew (admin+): apps that fetch it by its old name stop finding it."""
        prompt = self.require(user_id, prompt_id, "manage")
        name = prompt.name if name is None else _name(name)
        description = prompt.description if description is None else _text(description, "description",
                                                                            MAX_DESCRIPTION)
        with self._store.transaction() as cur:
            if cur.execute("SELECT 1 FROM prompts WHERE name = ? AND id <> ?", [name, prompt_id]).fetchone():
                raise PromptInvalid("prompt.name_taken", "name", name=name)
            cur.execute("UPDATE prompts SET name = ?, description = ?, updated_at = ? WHERE id = ?",
                        [name, description, utcnow(), prompt_id])
        return self.require(user_id, prompt_id)

    def publish(self, user_id: str, prompt_id: str, public: bool = True) -> Prompt:
        """Put the prompt in the square (or take it out): admin+."""
        self.require(user_id, prompt_id, "manage")
        self._store.cursor().execute("UPDATE prompts SET public = ?, updated_at = ? WHERE id = ?",
                                     [bool(public), utcnow(), prompt_id])
        return self.require(user_id, prompt_id)

    def move(self, user_id: str, prompt_id: str, team_id: str) -> Prompt:
        """Share a prompt with a team by moving it there (admin+ of the prompt and of the team)."""
        self.require(user_id, prompt_id, "manage")
        team = self._access.require_team(user_id, team_id, "manage")
        self._store.cursor().execute("UPDATE prompts SET team_id = ?, updated_at = ? WHERE id = ?",
                                     [team.id, utcnow(), prompt_id])
        return self.require(user_id, prompt_id)

    def fork(self, user_id: str, prompt_id: str, name: str, *, version: int | None = None,
             team_id: str | None = None) -> Prompt:
        """A copy of a prompt the user may read (a version of it, the latest by default), with its cases and
        graders, as a new prompt of theirs."""
        source = self.require(user_id, prompt_id)
        chosen = self.version(user_id, prompt_id, version or source.latest)
        fork = self.create(user_id, name, chosen.template, team_id=team_id, description=source.description,
                           params=chosen.params, source="forked", forked_from=f"{source.name}@{chosen.number}")
        with self._store.transaction() as cur:
            cur.execute("INSERT INTO prompt_cases SELECT ?, id, position, variables, expected, criteria, drafted "
                        "FROM prompt_cases WHERE prompt_id = ?", [fork.id, prompt_id])
            cur.execute("UPDATE prompts SET graders = (SELECT graders FROM prompts WHERE id = ?) WHERE id = ?",
                        [prompt_id, fork.id])
        return fork

    def delete(self, user_id: str, prompt_id: str) -> None:
        """Delete a prompt with its versions, labels, cases, scores and optimisations (admin+)."""
        self.require(user_id, prompt_id, "manage")
        with self._store.transaction() as cur:
            for table in ("prompt_versions", "prompt_labels", "prompt_cases", "prompt_scores",
                          "prompt_optimisations"):
                cur.execute(f"DELETE FROM {table} WHERE prompt_id = ?", [prompt_id])
            cur.execute("DELETE FROM prompts WHERE id = ?", [prompt_id])

    # -- versions ---------------------------------------------------------------------------------------------
    def _insert_version(self, cur, prompt_id: str, number: int, template: Template, params: Params, note: str,
                        source: str, parent: int | None, user_id: str) -> None:
        if source not in SOURCES:
            raise PromptInvalid("prompt.source", "source", source=source)
        examples = json.dumps([{"variables": e.variables, "output": e.output} for e in template.examples],
                              ensure_ascii=False)
        cur.execute("INSERT INTO prompt_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [prompt_id, number, template.system, template.user, examples,
                     json.dumps(_params(params), ensure_ascii=False), _text(note, "note", MAX_NOTE), source, parent,
                     user_id, utcnow()])

    def add_version(self, user_id: str, prompt_id: str, template: Template, *, params: Params | None = None,
                    source: str = "written", note: str = "", parent: int | None = None) -> Version:
        """A new version (member+); the versions before it stay as they were. ``params`` None: the parent's (or
        the latest's)."""
        prompt = self.require(user_id, prompt_id, "write")
        template = check_template(template)
        if parent is not None:
            self.version(user_id, prompt_id, parent)
        if params is None:
            params = self.version(user_id, prompt_id, parent or prompt.latest).params
        with self._store.transaction() as cur:
            number = cur.execute("SELECT coalesce(max(version), 0) + 1 FROM prompt_versions WHERE prompt_id = ?",
                                 [prompt_id]).fetchone()[0]
            self._insert_version(cur, prompt_id, number, template, params, note, source, parent, user_id)
            cur.execute("UPDATE prompts SET updated_at = ? WHERE id = ?", [utcnow(), prompt_id])
        return self.version(user_id, prompt_id, number)

    def versions(self, user_id: str, prompt_id: str) -> list[Version]:
        """Every version, the newest first, with their scores."""
        self.require(user_id, prompt_id)
        return self._versions(prompt_id)

    def version(self, user_id: str, prompt_id: str, number: int) -> Version:
        """One version of a prompt the user may read."""
        self.require(user_id, prompt_id)
        found = self._versions(prompt_id, number)
        if not found:
            raise PromptNotFound("prompt.version_not_found", "version", version=number)
        return found[0]

    def _versions(self, prompt_id: str, number: int | None = None) -> list[Version]:
        cur = self._store.cursor()
        where = "prompt_id = $id" + ("" if number is None else " AND version = $number")
        args: dict[str, Any] = {"id": prompt_id} | ({} if number is None else {"number": int(number)})
        rows = cur.execute("SELECT version, system, user_text, examples, params, note, source, parent, created_by, "
                           f"created_at FROM prompt_versions WHERE {where} ORDER BY version DESC", args).fetchall()
        scores: dict[int, list[Score]] = {}
        for version, *score in cur.execute(
                "SELECT version, model, case_set, part, score, cases, passed, measured_at FROM prompt_scores "
                f"WHERE {where} ORDER BY measured_at DESC", args).fetchall():
            scores.setdefault(version, []).append(Score(*score))
        return [Version(prompt_id, row[0], _template(row[1], row[2], row[3]), Params(**json.loads(row[4])),
                        row[5], row[6], row[7], row[8], row[9], tuple(scores.get(row[0], ())))
                for row in rows]

    def resolve(self, user_id: str, name: str, *, label: str | None = None,
                version: int | None = None) -> tuple[Prompt, Version]:
        """The prompt called ``name`` at a version or label (``production`` when neither is given; ``latest`` is
        the newest version), as an app fetches it."""
        prompt = self.by_name(user_id, name)
        if version is None:
            label = label or PRODUCTION
            version = prompt.latest if label == LATEST else prompt.labels.get(label)
            if version is None:
                raise PromptNotFound("prompt.label_not_found", "label", label=label, name=prompt.name)
        return prompt, self.version(user_id, prompt.id, version)

    # -- labels -----------------------------------------------------------------------------------------------
    def set_label(self, user_id: str, prompt_id: str, label: str, version: int) -> Prompt:
        """Point ``label`` at ``version`` (member+; ``production`` admin+), moving it from where it was."""
        if not isinstance(label, str) or not LABEL.match(label):
            raise PromptInvalid("prompt.label", "label", label=str(label)[:40])
        if label == LATEST:
            raise PromptInvalid("prompt.label_latest", "label")
        prompt = self.require(user_id, prompt_id, "manage" if label == PRODUCTION else "write")
        self.version(user_id, prompt_id, version)
        if label not in prompt.labels and len(prompt.labels) >= MAX_LABELS:
            raise PromptInvalid("prompt.too_many_labels", "label", most=MAX_LABELS)
        with self._store.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO prompt_labels VALUES (?, ?, ?, ?, ?)",
                        [prompt_id, label, int(version), user_id, utcnow()])
            cur.execute("UPDATE prompts SET updated_at = ? WHERE id = ?", [utcnow(), prompt_id])
        return self.require(user_id, prompt_id)

    def remove_label(self, user_id: str, prompt_id: str, label: str) -> Prompt:
        """Take a label off (as setting it needs)."""
        self.require(user_id, prompt_id, "manage" if label == PRODUCTION else "write")
        self._store.cursor().execute("DELETE FROM prompt_labels WHERE prompt_id = ? AND label = ?",
                                     [prompt_id, label])
        return self.require(user_id, prompt_id)

    # -- scores -----------------------------------------------------------------------------------------------
    def record_score(self, user_id: str, prompt_id: str, version: int, score: Score) -> None:
        """Keep a measured score with the version (the latest of the same model, case set and part replaces)."""
        self.require(user_id, prompt_id, "write")
        self._store.cursor().execute(
            "INSERT OR REPLACE INTO prompt_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [prompt_id, int(version), score.model, score.case_set, score.part, float(score.score), score.cases,
             score.passed, user_id, score.measured_at])


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _terms(query: str) -> list[str]:
    """A query's words: Latin words as they are, Chinese runs as characters' bigrams (a single character alone)."""
    words: list[str] = []
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+", _fold(query or "")):
        if re.match(r"[\u3400-\u9fff\uf900-\ufaff]", run):
            words += [run[i:i + 2] for i in range(len(run) - 1)] or [run]
        else:
            words.append(run)
    return list(dict.fromkeys(words))[:20]


def _name(name: object) -> str:
    text = unicodedata.normalize("NFKC", name).strip() if isinstance(name, str) else ""
    if not NAME.match(text):
        raise PromptInvalid("prompt.name", "name", name=text[:40])
    return text


def _text(value: object, field: str, most: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > most:
        raise PromptInvalid("prompt.too_long", field, most=most)
    return text


def _params(params: Params) -> dict[str, Any]:
    checks = (("temperature", 0.0, 2.0), ("top_p", 0.0, 1.0), ("max_tokens", 1, 32768))
    for name, low, high in checks:
        value = getattr(params, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not low <= value <= high):
            raise PromptInvalid("prompt.param", f"params.{name}", name=name, low=low, high=high)
    if not isinstance(params.model, str) or len(params.model) > 200:
        raise PromptInvalid("prompt.param_model", "params.model")
    return {"model": params.model, "temperature": params.temperature, "top_p": params.top_p,
            "max_tokens": params.max_tokens}


def _template(system: str, user: str, examples: str) -> Template:
    return Template(system, user, tuple(Example(dict(e["variables"]), e["output"]) for e in json.loads(examples)))

