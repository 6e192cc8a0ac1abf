"""The dashboard without a kernel per viewer: pages drawn once, sent at once.

The dashboard is read-only, and what it shows for a scope is deterministic: the same
institution, group, measure, round and tab always give the same HTML. So under
``llkit serve`` (unless ``--legacy``) no viewer gets a kernel for it. A small pool of
*render workers* (processes that have loaded the data once, :class:`Renderer`) draws each
tab the first time anyone asks for it; the server keeps the HTML and every later viewer
gets it from memory. Before the server opens, the header and first tab of every
institution in the scope are drawn (:meth:`Renderer.prerender`, with a progress bar); the
other tabs of the first choices follow in the background.

The page (:func:`page_html`) is plain HTML with the header, the four menus, the tab bar
and the first tab already in it, so the first figure is visible as soon as the page
arrives, and a short script that asks the server for another tab (``/llkit/dashboard/tab``)
or institution (``/llkit/dashboard/view``) when a menu changes. Every request passes the
server's token check, and every institution is checked against the scope on the server
(:func:`~llkit.apps.serve.kernel.check_access`): outside it the page shows "Ingen adgang"
and no data. A request that takes more than 8 s shows a Danish notice and is retried by
the page itself.
"""

from __future__ import annotations

import asyncio
import html
import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from llkit.apps.serve.kernel import check_access, refusal

#: Where the page asks for a tab or another institution's menus (behind the token).
TAB_PATH = "/llkit/dashboard/tab"
VIEW_PATH = "/llkit/dashboard/view"
#: The tab key shown first.
FIRST_TAB = "profile"
#: The start of the log line once every queued view is drawn (tests and scripts wait for it).
BACKGROUND_DONE = "Background drawing done"

# ----------------------------------------------------------------------------- workers

_CTX: Any = None


def _worker_init() -> None:
    """Load the data once in a render worker (the server's configuration is inherited
    through the environment, see :func:`~llkit.apps.serve.kernel.served_config`)."""
    global _CTX
    import os

    os.environ.setdefault("MPLBACKEND", "agg")
    from llkit.apps import dashboard

    _CTX = dashboard.context(None, warm=False)


def _work_view(institution: str) -> dict[str, Any]:
    from llkit.apps import dashboard

    return dashboard.view_spec(_CTX, institution)


def _work_tab(key: str, institution: str, group: str, measure: str, rnd: str) -> str:
    check_access(institution, _CTX.allowed)  # never draw outside the scope
    return _CTX.tab(key, institution, group, measure, rnd)


def _work_chapter(rel: str, institution: str) -> dict[str, Any]:
    """An e-learning chapter drawn for one institution (:func:`~llkit.apps.serve.chapters.render_chapter`)."""
    from pathlib import Path

    from llkit.apps.serve import chapters
    from llkit.apps.serve.kernel import served_config

    check_access(institution, _CTX.allowed)  # never draw outside the scope
    root = Path(served_config()["notebooks"])
    path = (root / rel).resolve()
    if root.resolve() not in path.parents:   # only the server's own copies
        raise ValueError(f"not a served chapter: {rel}")
    return chapters.render_chapter(path, _CTX.ds, institution)


def _work_ping() -> int:
    return 1


_WORK: dict[str, Callable[..., Any]] = {"view": _work_view, "tab": _work_tab, "chapter": _work_chapter,
                                        "ping": _work_ping}


def _call(kind: str, args: tuple) -> Any:
    return _WORK[kind](*args)


class Renderer:
    """Render workers and the HTML they have drawn (kept for the server's lifetime).

    Parameters
    ----------
    allowed : list of str
        The institutions of the scope, in order.
    workers : int
        Processes that draw (each holds the data once, about 300 MB).
    """

    def __init__(self, allowed: Sequence[str], workers: int = 2, *, dashboard: bool = True,
                 chapters: Sequence[str] = ()) -> None:
        self.allowed = [str(a) for a in allowed]
        self.workers = max(int(workers), 1)
        self.dashboard = bool(dashboard)
        #: The served chapters drawn here (relative paths, ``elearning/03_….ipynb``).
        self.chapters = [str(c) for c in chapters]
        self.pool = self._new_pool()
        self.cache: dict[tuple, Any] = {}
        self._pending: dict[tuple, Future] = {}
        self.background: list[tuple] = []

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init)

    def submit(self, kind: str, *args: Any) -> Future:
        """A future of the result (from memory when drawn before; one job per key)."""
        key = (kind, *args)
        if key in self.cache:
            fut: Future = Future()
            fut.set_result(self.cache[key])
            return fut
        if key in self._pending:
            return self._pending[key]
        try:
            fut = self.pool.submit(_call, kind, args)
        except BrokenProcessPool:  # a worker died (e.g. out of memory): start them again
            self.pool = self._new_pool()
            fut = self.pool.submit(_call, kind, args)
        self._pending[key] = fut

        def done(f: Future, key: tuple = key) -> None:
            self._pending.pop(key, None)
            if f.exception() is None:
                self.cache[key] = f.result()

        fut.add_done_callback(done)
        return fut

    async def get(self, kind: str, *args: Any) -> Any:
        """The result, awaited in the server's event loop."""
        key = (kind, *args)
        if key in self.cache:
            return self.cache[key]
        return await asyncio.wrap_future(self.submit(kind, *args))

    def first_tab_args(self, view: dict[str, Any]) -> tuple[str, str, str, str, str]:
        """The tab a page opens with: the first tab, group, measure and the last round."""
        group, measures = (view["groups"][0] if view["groups"] else ("", [["", ""]]))
        return (FIRST_TAB, view["institution"], group, measures[0][1] if measures else "",
                view["rounds"][-1][1])

    def prerender_chapters(self, chapters: Sequence[str],
                           progress: Callable[[int, int], None] | None = None) -> None:
        """Draw ``chapters`` for every institution in the scope (blocking); the other
        served chapters are queued for :meth:`fill_background`."""
        jobs = [self.submit("chapter", c, i) for c in chapters for i in self.allowed]
        for done, f in enumerate(jobs, 1):
            f.result()
            if progress:
                progress(done, len(jobs))
        self.background += [("chapter", c, i) for c in self.chapters if c not in chapters for i in self.allowed]

    def prerender(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Draw the menus and first tab of every institution in the scope (blocking),
        then queue the other tabs of the first choices for :meth:`fill_background`."""
        if not self.dashboard:
            return
        views = [self.submit("view", i) for i in self.allowed]
        total, done = 2 * len(views), 0
        firsts = []
        for v in views:
            view = v.result()
            done += 1
            firsts.append(self.submit("tab", *self.first_tab_args(view)))
            if progress:
                progress(done, total)
        for f in firsts:
            f.result()
            done += 1
            if progress:
                progress(done, total)
        for i in self.allowed:
            view = self.cache[("view", i)]
            _, inst, group, measure, rnd = self.first_tab_args(view)
            self.background += [("tab", key, inst, group, measure, rnd) for key, _ in view["tabs"][1:]]

    async def fill_background(self, log: Callable[[str], None] | None = None) -> None:
        """Draw the queued tabs one at a time, so a viewer's request always finds a
        free worker; then ``log`` how many views are held (``BACKGROUND_DONE``)."""
        while self.background:
            kind, *args = self.background.pop(0)
            try:
                await self.get(kind, *args)
            except Exception:  # noqa: BLE001 - drawn again when asked for
                pass
        if log:
            log(f"{BACKGROUND_DONE}: {len(self.cache)} view(s) held in memory")

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def progress_bar(label: str, out: Callable[[str], None] | None = None) -> Callable[[int, int], None]:
    """A one-line progress bar (``[#####-----] 5/10``) for the terminal."""
    t0 = time.monotonic()

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        line = f"{label} [{'#' * filled}{'-' * (width - filled)}] {done}/{total} · {time.monotonic() - t0:.0f} s"
        if out is not None:
            out(line)
        else:
            end = "\n" if done >= total else ""
            sys.stdout.write("\r" + line + end)
            sys.stdout.flush()

    return show


# ----------------------------------------------------------------------------- page

_PAGE_CSS = """<style>
body{margin:0;background:#fff}
#llkit-root{padding:16px 24px}
.llkit-controls{display:flex;flex-flow:row wrap;gap:6px 16px;margin:8px 0}
.llkit-controls label{font-size:14px;font-weight:600;font-family:"DejaVu Sans",Arial,sans-serif}
.llkit-controls select{font-size:14px;margin-left:6px;min-width:200px}
.llkit-tabbar{display:flex;flex-flow:row wrap;border-bottom:1px solid #bbb;margin-top:10px}
.llkit-tabbar .lm-TabBar-tab{font:14px "DejaVu Sans",Arial,sans-serif;padding:6px 14px;border:1px solid #ccc;
border-bottom:none;background:#f3f3f3;margin-right:2px;cursor:pointer}
.llkit-tabbar .lm-TabBar-tab.lm-mod-current{background:#fff;font-weight:600}
.llkit-wait{display:none;border-left:6px solid #8a6d00;background:#fff7dc;padding:10px 14px;margin:8px 0;
font:15px "DejaVu Sans",Arial,sans-serif;max-width:760px}
.llkit-wait.on{display:block}
</style>"""

#: The Danish notice a slow request shows (the page retries by itself).
WAIT_TEXT = ("Der er mange, der ser visningen lige nu. Figuren er på vej – siden prøver selv "
             "igen, I skal ikke genindlæse.")

#: ``llkitFetch(url, init)``: a request of a pre-rendered page that never gives up. After 8 s
#: the page's ``#llkit-wait`` notice shows; a failed or timed-out (60 s) request is tried
#: again, waiting 1, 2 … 8 s. Resolves to the JSON reply, ``{refused: html}`` for 403
#: (out of the scope) or ``null`` for a request the server cannot take (400, 413).
FETCH_JS = """<script>async function llkitFetch(url,init){
 var w=document.getElementById('llkit-wait');function wait(on){if(w)w.classList.toggle('on',on);}
 for(var tries=1;;tries++){
  var ctl=new AbortController(),slow=setTimeout(function(){wait(true)},8000),stop=setTimeout(function(){ctl.abort()},60000);
  try{var r=await fetch(url,Object.assign({credentials:'same-origin',signal:ctl.signal},init||{}));
   clearTimeout(slow);clearTimeout(stop);
   if(r.status===403){wait(false);return {refused:await r.text()};}
   if(r.status===400||r.status===413){wait(false);return null;}
   if(!r.ok) throw new Error(String(r.status));
   wait(false);return await r.json();
  }catch(e){clearTimeout(slow);clearTimeout(stop);wait(true);
   await new Promise(function(res){setTimeout(res,Math.min(1000*tries,8000))});}
 }
}</script>"""

_SCRIPT = FETCH_JS + """<script>(function(){
var cfg=JSON.parse(document.getElementById('llkit-data').textContent);
var token=new URLSearchParams(location.search).get('token')||'';
var view=cfg.view, tabs=new Map(), st=cfg.state, seq=0;
tabs.set(JSON.stringify(cfg.firstKey), cfg.first);
var $=function(id){return document.getElementById(id)};
function fill(el,items,value){el.innerHTML='';items.forEach(function(it){var o=document.createElement('option');
 o.value=it[1];o.textContent=it[0];el.appendChild(o);});el.value=value;}
async function ask(path,params){
 var q=new URLSearchParams(params);q.set('token',token);
 return await llkitFetch(path+'?'+q.toString());
}
function menus(){
 fill($('llkit-institution'),view.institutions,view.institution);
 fill($('llkit-group'),view.groups.map(function(g){return [g[0],g[0]]}),st.group);
 var ms=(view.groups.find(function(g){return g[0]===st.group})||[null,[]])[1];
 if(!ms.some(function(m){return m[1]===st.measure})) st.measure=ms.length?ms[0][1]:'';
 fill($('llkit-measure'),ms,st.measure);
 var rs=view.rounds.map(function(r){return r[1]});
 if(rs.indexOf(st.round)<0) st.round=rs[rs.length-1];
 fill($('llkit-round'),view.rounds,st.round);
}
async function draw(){
 var my=++seq;
 $('llkit-header').innerHTML=view.headers[st.round]||'';
 document.querySelectorAll('.llkit-tabbar .lm-TabBar-tab').forEach(function(b,i){
  b.classList.toggle('lm-mod-current',i===st.tab);b.setAttribute('aria-selected',i===st.tab);});
 var key=[view.tabs[st.tab][0],view.institution,st.group,st.measure,st.round],k=JSON.stringify(key);
 if(!tabs.has(k)){
  var r=await ask(cfg.tabPath,{tab:key[0],institution:key[1],group:key[2],measure:key[3],round:key[4]});
  if(!r) return;
  if(r.refused!==undefined){$('llkit-root').innerHTML=r.refused;return;}
  tabs.set(k,r.html);
 }
 if(my===seq) $('llkit-content').innerHTML=tabs.get(k);
}
$('llkit-institution').addEventListener('change',async function(e){
 var r=await ask(cfg.viewPath,{institution:e.target.value});
 if(!r) return;
 if(r.refused!==undefined){$('llkit-root').innerHTML=r.refused;return;}
 view=r;menus();draw();});
$('llkit-group').addEventListener('change',function(e){st.group=e.target.value;menus();draw();});
$('llkit-measure').addEventListener('change',function(e){st.measure=e.target.value;draw();});
$('llkit-round').addEventListener('change',function(e){st.round=e.target.value;draw();});
document.querySelectorAll('.llkit-tabbar .lm-TabBar-tab').forEach(function(b,i){
 b.addEventListener('click',function(){st.tab=i;draw();});});
menus();
$('llkit-root').classList.add('llkit-dashboard');
window.llkit_ready_ms=performance.now();
})();</script>"""


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _document(body: str, title: str = "Overblik") -> str:
    return ("<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_esc(title)}</title>{_PAGE_CSS}</head><body>{body}</body></html>")


def refusal_page(requested: str | None) -> str:
    """The page shown for an institution outside the scope (no data in it)."""
    return _document(f"<div id='llkit-root'>{refusal(requested).html}</div>", "Ingen adgang")


def page_html(view: dict[str, Any], first: str, first_key: Sequence[str]) -> str:
    """The dashboard page for one institution, with the first tab already drawn."""
    _, inst, group, measure, rnd = first_key
    select = "".join(
        f"<label>{_esc(text)}<select id='llkit-{name}'></select></label>"
        for name, text in (("institution", view["institution_label"]), ("group", "Emne:"),
                           ("measure", "Måling:"), ("round", "Målerunde:")))
    tabbar = "".join(
        f"<button type='button' role='tab' class='lm-TabBar-tab{' lm-mod-current' if i == 0 else ''}'>"
        f"{_esc(title)}</button>" for i, (_, title) in enumerate(view["tabs"]))
    data = {"view": view, "state": {"group": group, "measure": measure, "round": rnd, "tab": 0},
            "first": first, "firstKey": list(first_key), "tabPath": TAB_PATH, "viewPath": VIEW_PATH}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    body = (f"<div id='llkit-root' class='llkit-static'>"
            f"<div id='llkit-header'>{view['headers'].get(rnd, '')}</div>"
            f"<div class='llkit-controls'>{select}</div>"
            f"<div class='llkit-wait' id='llkit-wait' role='status'>{_esc(WAIT_TEXT)}</div>"
            f"<div class='llkit-tabbar' role='tablist'>{tabbar}</div>"
            f"<div id='llkit-content'>{first}</div></div>"
            f"<script type='application/json' id='llkit-data'>{payload}</script>{_SCRIPT}")
    return _document(body, "Overblik til ledelsesteamet")


# ----------------------------------------------------------------------------- handlers
