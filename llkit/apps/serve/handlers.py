"""Tornado handlers of the pre-rendered views (dashboard and chapters) and their requests.

Every handler is behind the server's token (``@web.authenticated``) and checks the
institution against the scope on the server (:func:`~llkit.apps.serve.kernel.check_access`):
outside it the page says "Ingen adgang" and holds no data. A page whose view is not drawn
within :data:`PAGE_WAIT` seconds gets the Danish "being prepared" page that reloads
itself (:func:`~llkit.apps.serve.room.busy_page`), so no viewer waits for ever. Imported
only by a running server (it needs jupyter_server).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from llkit.apps.serve import chapters, room
from llkit.apps.serve.kernel import AccessRefused, check_access, refusal, requested_institution
from llkit.apps.serve.static import TAB_PATH, VIEW_PATH, Renderer, page_html, refusal_page

#: Seconds a page request waits for a view not drawn yet; then the viewer gets a Danish
#: "being prepared" page that reloads itself (no page ever waits for ever).
PAGE_WAIT = 6.0


async def _soon(renderer: Renderer, kind: str, *args: Any) -> Any:
    """The drawn view, or ``None`` when it is not ready within :data:`PAGE_WAIT` s (its
    drawing goes on: the next try finds it)."""
    key = (kind, *args)
    if key in renderer.cache:
        return renderer.cache[key]
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(renderer.submit(kind, *args))),
                                      PAGE_WAIT)
    except TimeoutError:
        return None


class _Plain(JupyterHandler):
    """Errors as a short plain text: Voilà's server has no error templates (jupyter_server's
    would fail while writing the error and log a traceback)."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.finish(f"{status_code}: {self._reason}\n")


class _Base(_Plain):
    renderer: Renderer

    def initialize(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def _query(self) -> dict[str, list[str]]:
        return parse_qs(self.request.query, keep_blank_values=True)

    def _checked(self, wanted: str | None) -> str | None:
        try:
            return check_access(wanted, self.renderer.allowed)
        except AccessRefused:
            self.set_status(403)
            self._refuse(wanted)
            return None

    def _institution(self) -> str | None:
        return self._checked(requested_institution(self._query()))

    def _refuse(self, wanted: str | None) -> None:
        raise NotImplementedError

    def _nocache(self) -> None:
        self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")


class _Page(_Base):
    def _refuse(self, wanted: str | None) -> None:
        self.set_status(200)  # as the kernel pages: a page that says "Ingen adgang"
        self.finish(refusal_page(wanted))

    def _html(self, text: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(text)

    def _preparing(self) -> None:
        self.set_status(503)
        self.set_header("Retry-After", "3")
        self._html(room.busy_page(3, room.PREPARING_TEXT))


class DashboardPage(_Page):
    """The dashboard with its first tab drawn in (``/voila/render/dashboard.ipynb``)."""

    @web.authenticated
    async def get(self, *args: Any) -> None:
        self._nocache()
        inst = self._institution()
        if inst is None:
            return
        view = await _soon(self.renderer, "view", inst)
        key = self.renderer.first_tab_args(view) if view is not None else None
        first = await _soon(self.renderer, "tab", *key) if key is not None else None
        if first is None:
            return self._preparing()
        self._html(page_html(view, first, key))


class ChapterPage(_Page):
    """A served chapter drawn for the institution (``/voila/render/elearning/….ipynb``)."""

    @web.authenticated
    async def get(self, rel: str) -> None:
        self._nocache()
        if rel not in self.renderer.chapters:
            raise web.HTTPError(404)
        inst = self._institution()
        if inst is None:
            return
        drawn = await _soon(self.renderer, "chapter", rel, inst)
        if drawn is None:
            return self._preparing()
        self._html(chapters.page_html(rel, inst, drawn))


class _Json(_Base):
    def _refuse(self, wanted: str | None) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(refusal(wanted).html)

    def _reply(self, obj: Any) -> None:
        self._nocache()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(obj, ensure_ascii=False))


class View(_Json):
    """Another institution's menus and headers."""

    @web.authenticated
    async def get(self) -> None:
        inst = self._institution()
        if inst is not None:
            self._reply(await self.renderer.get("view", inst))


class Tab(_Json):
    """One tab's HTML (only the choices the menus offer)."""

    @web.authenticated
    async def get(self) -> None:
        inst = self._institution()
        if inst is None:
            return
        q = {k: (v[-1] if v else "") for k, v in self._query().items()}
        view = await self.renderer.get("view", inst)
        if not _valid_choice(view, q):
            raise web.HTTPError(400, "unknown tab, group, measure or round")
        self._reply({"html": await self.renderer.get("tab", q["tab"], inst, q["group"], q["measure"], q["round"])})


class Answer(_Json):
    """An answer to a chapter's exercise, replayed on the chapter's session."""

    @web.authenticated
    async def post(self) -> None:
        try:
            req = chapters.parse_answer(self.request.body)
        except chapters.BadAnswer as exc:
            raise web.HTTPError(413 if str(exc) == "too large" else 400, "bad answer request") from None
        if req["chapter"] not in self.renderer.chapters:
            raise web.HTTPError(400, "not a served chapter")
        inst = self._checked(req["institution"])
        if inst is None:
            return
        drawn = await self.renderer.get("chapter", req["chapter"], inst)
        self._reply(chapters.answer(drawn["session"], req))


class NoKernels(_Plain):
    """404 for Voilà's kernel routes when no view runs in a kernel (a pre-rendered server
    starts no kernel for a viewer, so nobody may reach one)."""

    def prepare(self) -> None:
        raise web.HTTPError(404)


def handlers(renderer: Renderer, base_url: str = "/", *, kernels: bool = True) -> list[tuple]:
    """The URL rules of the pre-rendered views, first in the server's list. With
    ``kernels=False`` (every served view pre-rendered) Voilà's kernel routes answer 404."""
    arg = {"renderer": renderer}
    out: list[tuple] = []
    if renderer.dashboard:
        out += [(url_path_join(base_url, r"/voila/render/dashboard\.ipynb"), DashboardPage, arg),
                (url_path_join(base_url, TAB_PATH), Tab, arg),
                (url_path_join(base_url, VIEW_PATH), View, arg)]
    if renderer.chapters:
        out += [(url_path_join(base_url, r"/voila/render/(elearning/[^/]+\.ipynb)"), ChapterPage, arg),
                (url_path_join(base_url, chapters.ANSWER_PATH), Answer, arg)]
    if not kernels:
        out += [(url_path_join(base_url, r"/api/kernels.*"), NoKernels),
                (url_path_join(base_url, r"/voila/api/.*"), NoKernels)]
    return out


def _valid_choice(view: dict[str, Any], q: dict[str, str]) -> bool:
    """Only choices the menus offer are drawn (no arbitrary keys reach the workers)."""
    groups = dict((g, [m for _, m in ms]) for g, ms in view["groups"])
    return (q.get("tab") in {k for k, _ in view["tabs"]} and q.get("group") in groups
            and q.get("measure") in groups[q["group"]]
            and q.get("round") in {r for _, r in view["rounds"]})
