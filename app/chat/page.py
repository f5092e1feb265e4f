"""Chat page: the signed-in user's conversations with the models, answered by the workbench's answer pipeline.

Left: new chat, search (titles and messages), the conversation list (newest first), rename, delete
and export (Markdown, JSON). Main: the model, deep thinking with its budget, the web-search toggle,
the knowledge bases to answer from (several at once; answers cite their passages as [n]), the MCP tools the model
may call (servers whole or tool by tool, saved with the conversation; each call a collapsible step in the answer; a
destructive tool's call waits for the confirm panel's yes), the chat (answers stream; the thinking streams into a
collapsible block apart from the answer; copy, regenerate, edit a question and resend; Markdown, code and LaTeX),
Stop, documents, and the per-conversation settings (system prompt, temperature, top_p, max_tokens) in an accordion.

``ChatPage`` is the page: its constructor takes what it uses of the gateway (``ChatGateway``) and the chat's
services (``ChatSetup``); its methods are the handlers, each returning a view state (``Opened``, ``Listed``, ...)
that ``build`` maps to the components once. This module keeps the conversations (open, new, search, rename, delete,
export, settings, the knowledge-base picker); ``app.chat.answer`` renders answers from the workbench's one answer
pipeline (``workbench.answering``: web search, knowledge bases, documents, summaries, the model, the saved turn);
``app.chat.documents`` uploads and lists documents; ``app.chat.context`` holds what they share; ``app.chat.view``
renders. Each handler looks the user up again and passes the user id to ``workbench.conversations``, which answers
another user's conversation id exactly like a missing one. The open conversation's id lives in the page (a hidden
box, and ``?c=<id>`` in the address so a reload reopens it), never in module state. Answers reach the models
through this process's own /v1 API with the user's workbench key, so every token is metered as theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from app.chat.answer import ChatAnswers, Confirmed, Step
from app.chat.context import (
    DEFAULT_BUDGET,
    UPLOAD_TYPES,
    ChatContext,
    ChatDocuments,
    ChatGateway,
    ChatSetup,
    local_api_url,
    notice_error,
    settings_values,
)
from app.chat.documents import Attached, ChatDocumentHandlers, Removed
from app.chat.view import CSS, LATEX, URL_JS, chat_messages, tool_label
from app.http.chat_export import export_url
from app.shell.access import WITH_LANG_JS
from app.shell.header import DOWNLOAD_JS
from app.shell.i18n import translate
from app.shell.views import View, shown, streamed
from gateway.accounts.console import Actor
from shared.locale import language
from workbench.answering.context import asked_kbs, kb_names
from workbench.conversations import THINKING_BUDGET, Conversation, NotFound
from workbench.errors import WorkbenchError
from workbench.prompt_studio.templates import fill

# WITH_LANG_JS for inputs that end with the language box and then the chosen knowledge bases (and MCP tools)
MAX_LINKED_KBS = 10            # KBs an address (?kb=<id>,...) may preselect
LANG_THEN_KBS_JS = ("(...a) => [...a.slice(0, -2), document.documentElement.lang || navigator.language || 'en', "
                    "a[a.length - 1]]")
LANG_THEN_TWO_JS = ("(...a) => [...a.slice(0, -3), document.documentElement.lang || navigator.language || 'en', "
                    "a[a.length - 2], a[a.length - 1]]")

__all__ = ["CSS", "ChatDocuments", "ChatPage", "ChatSetup", "build", "local_api_url"]


@dataclass
class Opened(View):
    """A conversation open in the chat (or a new chat): the chat, its id, its settings, its title."""

    bot: Any
    conv_id: Any
    model: Any                      # gr.update(value=...): the model box keeps its choices
    thinking: Any
    budget: Any
    system: Any
    temperature: Any
    top_p: Any
    max_tokens: Any
    title: Any


@dataclass
class Reopened(Opened):
    """A conversation opened from the list, and the notice (cleared)."""

    notice: Any


@dataclass
class Loaded(Reopened):
    """The page loaded: ``?c=<id>`` opened if it is yours, the list, the model choices, the web-search toggle, and
    the message box (a prompt's user part, from ``?prompt=<name>``)."""

    conv_list: Any
    list_note: Any
    web: Any
    box: Any


@dataclass
class Fresh(Opened):
    """A new chat, and the list with none chosen."""

    conv_list: Any
    list_note: Any


@dataclass
class Deleted(Opened):
    """A conversation deleted: the list, a new chat, and the notice."""

    conv_list: Any
    notice: Any


@dataclass
class Listed(View):
    """The conversation list (a search's hits) and its empty-line."""

    conv_list: Any
    list_note: Any


@dataclass
class Renamed(View):
    conv_list: Any
    notice: Any


class ChatPage:
    """The chat page over ``gateway`` (accounts, catalogue, keys) and ``setup`` (None: chat is off)."""

    def __init__(self, gateway: ChatGateway, setup: ChatSetup | None) -> None:
        self.setup = setup
        self.chat = ChatContext(gateway, setup)
        self.answers = ChatAnswers(self.chat)
        self.documents = ChatDocumentHandlers(self.chat)

    def opened(self, locale: str, conv: Conversation | None, model: str | None = None) -> Opened:
        """The chat and its settings for ``conv`` (a new chat when None, on ``model`` if it may be picked)."""
        chat = self.chat
        models = chat.chat_models()
        if conv is None:
            pick = model if model in models else (models[0] if models else None)
            return Opened([], "", gr.update(value=pick), False, chat.thinking_default(pick), "", None, None, None, "")
        s = conv.settings
        pick = s.model if s.model in models else (models[0] if models else None)
        return Opened(chat_messages(conv.messages, locale), conv.id, gr.update(value=pick), s.thinking,
                      s.thinking_budget or chat.thinking_default(pick), s.system_prompt or "", s.temperature, s.top_p,
                      s.max_tokens, conv.title)

    def chosen(self, lang: str, request: gr.Request, conversation_id: str | None) -> tuple[str, Actor, Conversation]:
        """(locale, actor, the open conversation) for a handler that needs one."""
        locale, actor = self.chat.who(lang, request)
        if not conversation_id:
            raise notice_error("chat.choose", locale)
        return locale, actor, self.chat.call(locale, self.chat.convs.get, actor.user_id, conversation_id)

    # -- the handlers ------------------------------------------------------------------------
    def load(self, query: str | None, lang: str, request: gr.Request) -> Loaded:
        """Page load: the list, the model choices, the web-search toggle, and ``?c=<id>`` opened if it is yours."""
        chat = self.chat
        locale, actor = chat.who(lang, request)
        wanted = str((getattr(request, "query_params", None) or {}).get("c") or "")
        conv, notice = None, ""
        if wanted:
            try:
                conv = chat.convs.get(actor.user_id, wanted)
            except NotFound:
                notice = translate("chat.no_such", locale)
        models = chat.chat_models()
        if not models:
            notice = translate("chat.no_models", locale)
        opened = self.opened(locale, conv)
        box: Any = gr.update()
        params = getattr(request, "query_params", None) or {}
        if conv is None and params.get("prompt"):       # /chat?prompt=<name>: "Use in chat" on the prompt studio
            opened, box, notice = self.with_prompt(opened, actor.user_id, params, models, locale)
        conv_list, empty = chat.listing(actor, locale, query, opened.conv_id)
        opened.model = gr.update(choices=models, value=opened.model["value"])
        return Loaded(**vars(opened), notice=notice, conv_list=conv_list, list_note=empty, web=chat.web_state(locale),
                      box=box)

    def with_prompt(self, opened: Opened, user_id: str, params: Any, models: list[str],
                    locale: str) -> tuple[Opened, Any, str]:
        """A new chat set up from a prompt of the library the user may read: its system part (and few-shot
        examples) as the system prompt, its parameters, its user part in the message box; a prompt with variables
        asks for them in the notice. A prompt they may not read is the notice of a missing one."""
        library = self.setup.prompts if self.setup is not None else None
        if library is None:
            return opened, gr.update(), translate("chat.prompt_unavailable", locale)
        version = str(params.get("version") or "")
        try:
            prompt, chosen = library.resolve(user_id, str(params["prompt"]),
                                             label=str(params.get("label") or "") or ("latest" if not version
                                                                                      else None),
                                             version=int(version) if version.isdigit() else None)
        except WorkbenchError as exc:
            return opened, gr.update(), exc.text(locale)
        template = chosen.template
        system = template.system
        if template.examples:
            shots = "\n\n".join(f"{translate('chat.prompt_example_in', locale)}\n{fill(template.user, e.variables)}\n"
                                 f"{translate('chat.prompt_example_out', locale)}\n{e.output}"
                                 for e in template.examples)
            system = f"{system}\n\n{shots}".strip()
        settings = chosen.params
        model = settings.model if settings.model in models else opened.model["value"]
        opened = replace(opened, system=system, model=gr.update(value=model),
                         temperature=settings.temperature, max_tokens=settings.max_tokens)
        names = template.variables()
        joiner = "、" if language(locale) == "zh" else ", "
        listed = joiner.join(f"`{{{{{name}}}}}`" for name in names)
        said = (translate("chat.prompt_fill", locale, name=prompt.name, version=chosen.number, variables=listed)
                if names else translate("chat.prompt_loaded", locale, name=prompt.name, version=chosen.number))
        return opened, gr.update(value=template.user), said

    def open_conversation(self, conversation_id: str | None, lang: str, request: gr.Request) -> Reopened:
        locale, actor = self.chat.who(lang, request)
        if not conversation_id:
            return Reopened(**vars(self.opened(locale, None)), notice="")
        conv = self.chat.call(locale, self.chat.convs.get, actor.user_id, conversation_id)
        return Reopened(**vars(self.opened(locale, conv)), notice="")

    def redraw(self, conversation_id: str | None, lang: str, request: gr.Request) -> Any:
        """The open conversation as saved (after Stop: the partial answer, marked stopped); else unchanged."""
        locale, actor = self.chat.who(lang, request)
        if not conversation_id:
            return gr.update()
        return chat_messages(self.chat.call(locale, self.chat.convs.get, actor.user_id, conversation_id).messages,
                             locale)

    def new_chat(self, model: str | None, query: str | None, lang: str, request: gr.Request) -> Fresh:
        locale, actor = self.chat.who(lang, request)
        conv_list, empty = self.chat.listing(actor, locale, query, None)
        return Fresh(**vars(self.opened(locale, None, model)), conv_list=conv_list, list_note=empty)

    def search(self, query: str | None, conversation_id: str | None, lang: str, request: gr.Request) -> Listed:
        locale, actor = self.chat.who(lang, request)
        return Listed(*self.chat.listing(actor, locale, query, conversation_id))

    def rename(self, conversation_id: str | None, title: str | None, query: str | None, lang: str,
               request: gr.Request) -> Renamed:
        locale, actor, conv = self.chosen(lang, request, conversation_id)
        convs = self.chat.convs
        self.chat.call(locale, convs.rename, actor.user_id, conv.id, title or "")
        new_title = convs.get(actor.user_id, conv.id).title
        conv_list, _ = self.chat.listing(actor, locale, query, conv.id)
        return Renamed(conv_list, translate("chat.renamed", locale, title=new_title))

    def delete(self, conversation_id: str | None, query: str | None, lang: str, request: gr.Request) -> Deleted:
        locale, actor, conv = self.chosen(lang, request, conversation_id)
        title = conv.title or translate("chat.untitled", locale)
        docs = self.chat.docs
        if docs is not None:                # the documents first: they belong to the conversation
            self.chat.call(locale, docs.attachments.remove_all, actor.user_id, conv.id)
        self.chat.call(locale, self.chat.convs.delete, actor.user_id, conv.id)
        conv_list, _ = self.chat.listing(actor, locale, query, None)
        return Deleted(**vars(self.opened(locale, None)), conv_list=conv_list,
                       notice=translate("chat.deleted", locale, title=title))

    def export(self, conversation_id: str | None, lang: str, request: gr.Request, *, as_json: bool) -> str:
        """The address of the open conversation's export (``app.http.chat_export``, which checks the owner again);
        the page's script opens it and the browser saves the file. Nothing goes through Gradio's file cache."""
        locale, actor, conv = self.chosen(lang, request, conversation_id)
        return export_url(conv.id, "json" if as_json else "md", locale)

    def export_markdown(self, conversation_id: str | None, lang: str, request: gr.Request) -> str:
        return self.export(conversation_id, lang, request, as_json=False)

    def export_json(self, conversation_id: str | None, lang: str, request: gr.Request) -> str:
        return self.export(conversation_id, lang, request, as_json=True)

    def model_budget(self, model: str | None) -> int:
        """The thinking budget follows the chosen model: its default (the embedded 0.5B model's is small)."""
        return self.chat.thinking_default(model)

    def save_settings(self, conversation_id: str | None, model: str | None, thinking: bool, budget: float | None,
                      system: str | None, temperature: float | None, top_p: float | None, max_tokens: float | None,
                      lang: str, request: gr.Request) -> None:
        """Keep a changed setting with the open conversation (a bad value is refused naming its field)."""
        locale, actor = self.chat.who(lang, request)
        if conversation_id:
            self.chat.call(locale, self.chat.convs.update_settings, actor.user_id, conversation_id,
                           **settings_values(model, thinking, budget, system, temperature, top_p, max_tokens))

    def kb_state(self, conversation_id: str | None, kb_ids: list[str] | None, lang: str, request: gr.Request) -> Any:
        """The knowledge-base picker: the KBs the user may read now, and the open conversation's selection (that
        of its last question; before any question, what the page has, else the address's ``?kb=<id>,...``). KBs
        no longer readable (or never: an id in the address) are unselected, named in the picker's note when the
        conversation knows their names."""
        chat = self.chat
        locale, actor = chat.who(lang, request)
        conv = chat.call(locale, chat.convs.get, actor.user_id, conversation_id) if conversation_id else None
        if chat.knowledge is None:
            return gr.update(choices=[], value=[])
        choices = chat.kb_choices(actor, locale)
        readable = {kb_id for _, kb_id in choices}
        asked = asked_kbs(conv)
        wanted = [a["id"] for a in asked] if asked is not None else [k for k in (kb_ids or []) if isinstance(k, str)]
        if asked is None and not wanted:          # /chat?kb=<id>[,<id>]: "Chat with this knowledge base" on /kb
            params = getattr(request, "query_params", None) or {}
            wanted = [k for k in str(params.get("kb") or "").split(",") if k.strip()][:MAX_LINKED_KBS]
        names = kb_names(conv)
        gone = [names.get(k) or "" for k in wanted if k not in readable]
        if gone:
            info = (translate("chat.kb_dropped", locale, names=", ".join(f"“{n}”" for n in gone)) if all(gone)
                    else translate("chat.kb_dropped_unnamed", locale))
        else:
            info = translate("chat.kbs_info" if choices else "chat.kbs_none", locale)
        return gr.update(choices=choices, value=[k for k in wanted if k in readable], info=info)

    def tool_state(self, conversation_id: str | None, tool_ids: list[str] | None, lang: str,
                   request: gr.Request) -> Any:
        """The MCP tools picker: the servers (whole, then tool by tool) the user may use now, and the open
        conversation's choice (before any, what the page has). A saved choice no longer available is unselected,
        named in the picker's note."""
        chat = self.chat
        locale, actor = chat.who(lang, request)
        conv = chat.call(locale, chat.convs.get, actor.user_id, conversation_id) if conversation_id else None
        if chat.tools is None:
            return gr.update(choices=[], value=[])
        choices = [(tool_label(c, locale), c.value) for c in chat.tool_choices(actor, locale)]
        offered = {value for _, value in choices}
        wanted = list(conv.settings.tools) if conv is not None else [t for t in tool_ids or [] if isinstance(t, str)]
        gone = [t for t in wanted if t not in offered]
        if gone:
            info = translate("chat.tools_dropped", locale, names=", ".join(f"“{t}”" for t in gone))
        else:
            info = translate("chat.tools_info" if choices else "chat.tools_none", locale)
        return gr.update(choices=choices, value=[t for t in wanted if t in offered], info=info)

    # -- the layout --------------------------------------------------------------------------
    def build(self, page: gr.Blocks, i18n: gr.I18n) -> None:
        """Lay out the chat page in the current route and wire it."""
        setup = self.setup
        lang = gr.Textbox(visible=False)
        conv_id = gr.Textbox(visible="hidden", elem_id="chat-conversation-id")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=240):
                new_btn = gr.Button(i18n("chat.new"), variant="primary", elem_id="chat-new")
                query = gr.Textbox(label=i18n("chat.search"), placeholder=i18n("chat.search_hint"), max_lines=1,
                                   elem_id="chat-search")
                conv_list = gr.Radio(label=i18n("chat.list"), choices=[], elem_id="chat-list")
                list_note = gr.Markdown(elem_id="chat-list-note")
                with gr.Accordion(i18n("chat.manage"), open=False, elem_id="chat-manage"):
                    title = gr.Textbox(label=i18n("chat.title_label"), max_lines=1, elem_id="chat-title")
                    rename_btn = gr.Button(i18n("chat.rename"), size="sm", elem_id="chat-rename")
                    with gr.Row():
                        md_btn = gr.Button(i18n("chat.export_md"), size="sm", elem_id="chat-export-md")
                        json_btn = gr.Button(i18n("chat.export_json"), size="sm", elem_id="chat-export-json")
                    download = gr.Textbox(visible="hidden", elem_id="chat-download")     # the export's address
                    delete_btn = gr.Button(i18n("chat.delete"), size="sm", variant="stop", elem_id="chat-delete")
            with gr.Column(scale=4):
                with gr.Row(equal_height=True):
                    model = gr.Dropdown(label=i18n("chat.model"), choices=[], scale=2, elem_id="chat-model")
                    thinking = gr.Checkbox(label=i18n("chat.thinking"), info=i18n("chat.thinking_info"), scale=1,
                                           elem_id="chat-thinking")
                    budget = gr.Slider(THINKING_BUDGET[0], 8192, value=DEFAULT_BUDGET, step=16,
                                       label=i18n("chat.budget"), scale=2, elem_id="chat-budget")
                    web = gr.Checkbox(label=i18n("chat.web"), interactive=False, scale=1, elem_id="chat-web")
                with_kb = setup is not None and setup.knowledge is not None
                kbs = gr.Dropdown(label=i18n("chat.kbs"), info=i18n("chat.kbs_info"), choices=[], value=[],
                                  multiselect=True, visible=with_kb, elem_id="chat-kbs")
                with_tools = setup is not None and setup.mcp is not None
                tools = gr.Dropdown(label=i18n("chat.tools"), info=i18n("chat.tools_info"), choices=[], value=[],
                                    multiselect=True, visible=with_tools, elem_id="chat-tools")
                bot = gr.Chatbot(label=i18n("chat.bot"), height="60vh", editable="user", buttons=["copy", "copy_all"],
                                 latex_delimiters=LATEX, placeholder=i18n("chat.placeholder"), feedback_options=None,
                                 elem_id="chat-bot")
                with gr.Row(equal_height=True):
                    text = gr.Textbox(label=i18n("chat.input"), placeholder=i18n("chat.input_hint"), lines=1,
                                      max_lines=10, scale=6, show_label=False, elem_id="chat-input")
                    send_btn = gr.Button(i18n("chat.send"), variant="primary", scale=1, min_width=80,
                                         elem_id="chat-send")
                    stop_btn = gr.Button(i18n("chat.stop"), variant="stop", scale=1, min_width=80, elem_id="chat-stop")
                with_docs = setup is not None and setup.documents is not None
                with gr.Row(equal_height=True, visible=with_docs):
                    files = gr.File(label=i18n("chat.upload"), file_count="multiple", file_types=UPLOAD_TYPES, scale=3,
                                    elem_id="chat-files")
                    with gr.Column(scale=2):
                        doc_list = gr.CheckboxGroup(label=i18n("chat.doc_list"), choices=[], info=i18n("chat.doc_info"),
                                                    elem_id="chat-docs")
                        remove_docs = gr.Button(i18n("chat.doc_remove"), size="sm", elem_id="chat-docs-remove")
                notice = gr.Markdown(elem_id="chat-notice")
                with gr.Row(visible=False, equal_height=True, elem_id="chat-confirm") as confirm_row:
                    confirm_note = gr.Markdown(elem_id="chat-confirm-note")
                    with gr.Column(scale=0, min_width=140):
                        confirm_yes = gr.Button(i18n("chat.confirm_yes"), variant="stop", size="sm",
                                                elem_id="chat-confirm-yes")
                        confirm_no = gr.Button(i18n("chat.confirm_no"), size="sm", elem_id="chat-confirm-no")
                confirm_token = gr.Textbox(visible="hidden", elem_id="chat-confirm-token")
                with gr.Accordion(i18n("chat.advanced"), open=False, elem_id="chat-advanced"):
                    system = gr.Textbox(label=i18n("chat.system_prompt"), placeholder=i18n("chat.system_hint"), lines=3,
                                        elem_id="chat-system")
                    with gr.Row():
                        temperature = gr.Number(label=i18n("chat.temperature"), value=None, elem_id="chat-temperature")
                        top_p = gr.Number(label=i18n("chat.top_p"), value=None, elem_id="chat-top-p")
                        max_tokens = gr.Number(label=i18n("chat.max_tokens"), value=None, precision=0,
                                               elem_id="chat-max-tokens")

        settings = [model, thinking, budget, system, temperature, top_p, max_tokens]
        parts = {"bot": bot, "conv_id": conv_id, "model": model, "thinking": thinking, "budget": budget,
                 "system": system, "temperature": temperature, "top_p": top_p, "max_tokens": max_tokens,
                 "title": title, "notice": notice, "conv_list": conv_list, "list_note": list_note, "web": web,
                 "box": text, "doc_list": doc_list, "files": files, "confirm_row": confirm_row,
                 "confirm_note": confirm_note, "confirm_token": confirm_token}
        quick = {"show_progress": "hidden", "concurrency_limit": None, "js": WITH_LANG_JS}
        # streams wait on the network, not on this process: no per-event queue limit (the gateway's limits apply)
        stream = {"show_progress": "minimal", "concurrency_limit": None, "js": WITH_LANG_JS}
        kb_stream = {**stream, "js": LANG_THEN_TWO_JS}
        answers, documents = self.answers, self.documents

        loaded = page.load(shown(self.load), inputs=[query, lang], outputs=Loaded.pick(parts), api_name="chat_load",
                           **quick)
        conv_list.input(shown(self.open_conversation), inputs=[conv_list, lang], outputs=Reopened.pick(parts),
                        api_name="chat_open", **quick)
        gr.on([new_btn.click, bot.clear], shown(self.new_chat), inputs=[model, query, lang],
              outputs=Fresh.pick(parts), api_name="chat_new", **quick)     # the chat's own Clear starts a new chat
        query.change(shown(self.search), inputs=[query, conv_id, lang], outputs=Listed.pick(parts),
                     api_name="chat_search", trigger_mode="always_last", **quick)
        rename_btn.click(shown(self.rename), inputs=[conv_id, title, query, lang], outputs=Renamed.pick(parts),
                         api_name="chat_rename", **quick)
        title.submit(shown(self.rename), inputs=[conv_id, title, query, lang], outputs=Renamed.pick(parts), **quick)
        delete_btn.click(shown(self.delete), inputs=[conv_id, query, lang], outputs=Deleted.pick(parts),
                         api_name="chat_delete", **quick)
        md_btn.click(self.export_markdown, inputs=[conv_id, lang], outputs=[download], api_name="chat_export_md",
                     **quick).success(None, inputs=[download], js=DOWNLOAD_JS)
        json_btn.click(self.export_json, inputs=[conv_id, lang], outputs=[download], api_name="chat_export_json",
                       **quick).success(None, inputs=[download], js=DOWNLOAD_JS)
        gr.on([thinking.input, budget.release, system.blur, temperature.blur, top_p.blur, max_tokens.blur],
              self.save_settings, inputs=[conv_id, *settings, lang], outputs=None, api_name="chat_settings",
              trigger_mode="always_last", **quick)
        model.input(self.model_budget, inputs=[model], outputs=[budget], api_name="chat_model_budget", **quick).then(
            self.save_settings, inputs=[conv_id, *settings, lang], outputs=None, **quick)

        # the chosen knowledge bases and MCP tools come last: the handlers take them after the request (see
        # ChatAnswers.send)
        steps = Step.pick(parts)
        sent = gr.on([text.submit, send_btn.click], streamed(answers.send),
                     inputs=[text, files, conv_id, *settings, web, query, lang, kbs, tools], outputs=steps,
                     api_name="chat_send", **kb_stream)
        retried = bot.retry(streamed(answers.regenerate), inputs=[conv_id, *settings, web, query, lang, kbs, tools],
                            outputs=steps, api_name="chat_regenerate", **kb_stream)
        edited = bot.edit(streamed(answers.resend), inputs=[conv_id, *settings, web, query, lang, kbs, tools],
                          outputs=steps, api_name="chat_resend", **kb_stream)
        # a destructive tool's call waits in the stream above for the reader's yes or no
        confirm_yes.click(shown(answers.confirm), inputs=[confirm_token, lang], outputs=Confirmed.pick(parts),
                          api_name="chat_confirm_tool", **quick)
        confirm_no.click(shown(answers.deny), inputs=[confirm_token, lang], outputs=Confirmed.pick(parts),
                         api_name="chat_deny_tool", **quick)
        # the picker follows the open conversation (its last question's KBs) and what the user may read now; after
        # the page's load (which opens ?c=<id>), not beside it: a picker filled before the conversation opened
        # could otherwise arrive last
        loaded.then(self.kb_state, inputs=[conv_id, kbs, lang], outputs=[kbs], api_name="chat_kbs", **quick)
        conv_id.change(self.kb_state, inputs=[conv_id, kbs, lang], outputs=[kbs], **quick)
        sent.then(self.kb_state, inputs=[conv_id, kbs, lang], outputs=[kbs], **quick)
        loaded.then(self.tool_state, inputs=[conv_id, tools, lang], outputs=[tools], api_name="chat_tools", **quick)
        conv_id.change(self.tool_state, inputs=[conv_id, tools, lang], outputs=[tools], **quick)
        # Stop cancels the stream (the pipeline saves what arrived, marked stopped), then shows the saved state
        stop_btn.click(None, cancels=[sent, retried, edited]).then(
            self.redraw, inputs=[conv_id, lang], outputs=[bot], api_name="chat_redraw", **quick).then(
            shown(answers.put_away), outputs=Confirmed.pick(parts), **quick)
        conv_id.change(None, inputs=[conv_id], js=URL_JS)
        if with_docs:
            conv_id.change(documents.documents, inputs=[conv_id, lang], outputs=[doc_list], api_name="chat_documents",
                           **quick)
            files.upload(streamed(documents.attach), inputs=[files, conv_id, *settings, query, lang],
                         outputs=Attached.pick(parts), api_name="chat_attach", **stream)
            remove_docs.click(shown(documents.remove_documents), inputs=[conv_id, doc_list, lang],
                              outputs=Removed.pick(parts), api_name="chat_remove_documents", **quick)


def build(page: gr.Blocks, gateway: ChatGateway, i18n: gr.I18n, setup: ChatSetup | None = None) -> None:
    """Lay out the chat page in the current route and wire it (``setup`` None: every handler says chat is off)."""
    ChatPage(gateway, setup).build(page, i18n)
