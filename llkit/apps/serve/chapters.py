"""E-learning chapters without a kernel per viewer: drawn once, answers checked by the server.

A chapter is the same for every viewer of one institution until they answer: its texts,
tables and figures depend only on the data and the institution, and its exercises are
checked by pure functions (:mod:`llkit.apps.exercises.checking`). So under ``llkit serve``
(unless ``--legacy``) a chapter needs no kernel per viewer:

- a render worker (:mod:`~llkit.apps.serve.static`) runs the chapter's own notebook cells
  once per institution, in its own process (:func:`run_cells`, :func:`render_chapter`):
  Markdown cells become HTML, section outputs are kept as they are, every exercise
  becomes an HTML form (:meth:`~llkit.apps.exercises.Exercise.form_html`) and the
  chapter's :class:`~llkit.apps.exercises.Session`, never answered, goes back to the
  server;
- the server sends the page at once (:func:`page_html`); its script keeps the viewer's
  answers and the last feedback in the browser tab (``sessionStorage``) and posts each answer to
  :data:`ANSWER_PATH`, where the server replays it on a copy of the session
  (:meth:`~llkit.apps.exercises.Session.replay`) and sends back the feedback, the status,
  the progress and the export files. The solution reaches the page only when it is due
  (solved, or three wrong attempts), as in the widgets.

The token, the scope and the refusal are exactly those of the kernel pages: every
request is checked on the server (:func:`~llkit.apps.serve.kernel.check_access`).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from llkit.present.html import esc as _esc

#: Where a chapter page posts an answer (behind the token).
ANSWER_PATH = "/llkit/chapter/answer"
#: Cells of a served copy that only make sense in a kernel (see
#: :func:`~llkit.apps.serve.notebooks.prepare_notebooks`).
KERNEL_ONLY_TAGS = frozenset({"injected-parameters", "injected-warm"})
#: The largest answer request accepted (bytes): a chapter's states and one reflection.
MAX_BODY = 256 * 1024
#: The longest answer or reflection accepted (characters).
MAX_ANSWER = 20_000


class CellError(Exception):
    """A notebook cell raised; the message names the notebook and the cell."""


def run_cells(notebook: str | Path, params: Mapping[str, Any], *,
              skip_tags: frozenset[str] | set[str] = frozenset(),
              ns: dict[str, Any] | None = None) -> Iterator[tuple[str, Any, str]]:
    """Run a notebook's cells in this process, as a kernel would, one at a time.

    Every code cell runs in one shared namespace (``ns``, a new one when not given); the
    ``parameters`` cell is followed by ``params``; the value of a cell's last expression
    is what the notebook would display.

    Yields
    ------
    (kind, value, printed)
        ``("markdown", source, "")`` for a Markdown cell, ``("code", value, printed)``
        for a code cell (``value`` is the last expression's value or ``None``).

    Raises
    ------
    CellError
        A cell raised (chained to the original exception).
    """
    import nbformat

    name = Path(notebook).name
    nb = nbformat.read(str(notebook), as_version=4)
    ns = {} if ns is None else ns
    ns.setdefault("__name__", "__notebook__")
    for index, cell in enumerate(nb.cells):
        tags = set(cell.metadata.get("tags", []))
        if tags & set(skip_tags):
            continue
        if cell.cell_type == "markdown":
            yield "markdown", cell.source, ""
            continue
        if cell.cell_type != "code":
            continue
        where = f"{name}[{index}]"
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf), warnings.catch_warnings():
                warnings.simplefilter("ignore")   # data warnings are shown by the notebook itself
                exec(compile(tree, where, "exec"), ns)  # noqa: S102 - the shipped notebook's own code
                if "parameters" in tags:
                    ns.update(params)
                value = (eval(compile(ast.Expression(last.value), where, "eval"), ns)  # noqa: S307
                         if last is not None else None)
        except Exception as exc:
            raise CellError(f"{name}, cell {index}:\n{cell.source}\n-> {type(exc).__name__}: {exc}") from exc
        finally:
            _close_figures()
        yield "code", value, buf.getvalue()


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def _markdown(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return f'<div class="llkit-md">{markdown2html_mistune(source)}</div>'


def _progress_html(session: Any) -> str:
    graded = max(len(session.graded), 1)
    return ('<div class="llkit-progress-box"><progress class="llkit-progress-bar" '
            f'max="{graded}" value="0"></progress> '
            f'<span class="llkit-progress" data-progress>{_esc(session.progress_text())}</span></div>')


def _export_html() -> str:
    links = "".join(f'<a class="llkit-export-link" data-ext="{ext}" href="#" style="margin-right:1.2em">{label}</a>'
                    for ext, label in (("md", "Hent som Markdown"), ("html", "Hent som HTML"),
                                       ("json", "Hent som JSON")))
    return f'<div class="llkit-export"><p><b>Del jeres svar og refleksioner:</b> {links}</p></div>'


def _output_html(value: Any, session: Any) -> str:
    """A cell's value as the page shows it."""
    from llkit.apps.exercises import Exercise
    from llkit.apps.exercises.session import _Displayable

    if value is None:
        return ""
    if isinstance(value, Exercise):
        return value.form_html()
    if isinstance(value, _Displayable):
        return _progress_html(session) if value.role == "progress" else _export_html()
    if type(value).__module__.split(".")[0] == "ipywidgets":
        # a notebook of one's own (--source) with widgets of its own: they need a kernel
        return f'<div class="llkit-cell-failed" role="note">{_esc(NEEDS_KERNEL)}</div>'
    shown = getattr(value, "_repr_html_", None)
    if callable(shown):
        out = shown()
        return f'<div class="llkit-output">{out}</div>' if isinstance(out, str) else ""
    if callable(getattr(value, "_ipython_display_", None)):
        return "".join(_output_html(v, session) for v in _displayed(value))
    return f"<pre>{_esc(repr(value))}</pre>"


def _displayed(value: Any) -> list[Any]:
    """What ``value._ipython_display_()`` displays (a table above an exercise, say)."""
    import IPython.display as ipd

    shown: list[Any] = []
    base = ipd.display
    ipd.display = lambda *objs, **_kw: shown.extend(objs)  # type: ignore[assignment]
    try:
        value._ipython_display_()
    finally:
        ipd.display = base  # type: ignore[assignment]
    return shown


#: Shown in place of a widget of a notebook's own (only the shipped exercises, progress and
#: export work without a kernel).
NEEDS_KERNEL = ("Denne del af kapitlet er interaktiv og kan kun bruges, når serveren startes "
                "med --legacy (en kerne pr. deltager).")
#: Shown in place of a part of a chapter that could not be drawn (details in the log).
CELL_FAILED = ("Denne del af kapitlet kunne ikke vises med jeres data. Resten af kapitlet kan "
               "bruges som normalt.")


def render_chapter(notebook: str | Path, data: Any, institution: str) -> dict[str, Any]:
    """Draw a chapter for one institution (in a render worker).

    Parameters
    ----------
    notebook : str or Path
        The chapter notebook (the served copy).
    data : Dataset, str or Path
        The server's data (a loaded dataset in a worker).
    institution : str
        An institution inside the scope (checked by the caller).

    Returns
    -------
    dict
        ``title`` (the session's), ``body`` (HTML) and ``session`` (the chapter's
        :class:`~llkit.apps.exercises.Session`, never answered, without widgets).
    """
    from llkit.apps.exercises import Session

    parts: list[str] = []
    ns: dict[str, Any] = {}
    try:
        for kind, value, printed in run_cells(notebook, {"data": data, "institution": institution},
                                              skip_tags=KERNEL_ONLY_TAGS, ns=ns):
            if kind == "markdown":
                parts.append(_markdown(value))
                continue
            if printed.strip():
                parts.append(f"<pre>{_esc(printed)}</pre>")
            parts.append(_output_html(value, _session_in(ns) or Session("", institution)))
    except CellError as exc:
        print(f"llkit serve: {exc}\n{traceback.format_exc()}", file=sys.stderr, flush=True)
        parts.append(f'<div class="llkit-cell-failed" role="alert">{_esc(CELL_FAILED)}</div>')
    session = _session_in(ns) or Session(Path(notebook).stem[:2], institution)
    _strip_widgets(session)
    return {"title": session.title, "body": "".join(parts), "session": session}


def _session_in(ns: Mapping[str, Any]) -> Any:
    """The chapter's session: the :class:`~llkit.apps.exercises.Session` in the
    notebook's namespace (``ds, session = open_chapter(...)``)."""
    from llkit.apps.exercises import Session

    return next((v for v in reversed(list(ns.values())) if isinstance(v, Session)), None)


def _strip_widgets(session: Any) -> None:
    """Drop widgets and listeners, so the session can go to the server (pickled)."""
    session._progress = session._export = None
    session.store = None
    for q in session.exercises:
        q._listeners, q._w = [], None


# ----------------------------------------------------------------------------- answers


class BadAnswer(ValueError):
    """An answer request that cannot be read (answered 400)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a page sends")


def parse_answer(body: bytes) -> dict[str, Any]:
    """The fields of an answer request: ``chapter``, ``institution``, ``states``,
    ``submit`` (id, answer) or ``None``, ``hint`` or ``None``.

    Raises
    ------
    BadAnswer
        Too large, not JSON, or fields of the wrong type.

    Examples
    --------
    >>> parse_answer(b'{"chapter": "elearning/03_x.ipynb", "institution": "I01", "submit": ["a", "3,4"]}')["submit"]
    ('a', '3,4')
    >>> parse_answer(b'[1]')
    Traceback (most recent call last):
    ...
    llkit.apps.serve.chapters.BadAnswer: not an answer
    """
    if len(body) > MAX_BODY:
        raise BadAnswer("too large")
    try:
        req = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):   # deep nesting: RecursionError
        raise BadAnswer("not JSON") from None
    if not isinstance(req, dict) or not isinstance(req.get("chapter"), str):
        raise BadAnswer("not an answer")
    states = req.get("states", {})
    states = {} if states is None else states
    if not isinstance(states, dict) or len(states) > 100:
        raise BadAnswer("states")
    submit = req.get("submit")
    if submit is not None:
        if (not isinstance(submit, list) or len(submit) != 2 or not isinstance(submit[0], str)
                or not isinstance(submit[1], str | int | float | type(None))):
            raise BadAnswer("submit")
        value = None if submit[1] is None else str(submit[1])[:MAX_ANSWER]
        submit = (submit[0], value)
    hint = req.get("hint")
    inst = req.get("institution")
    return {"chapter": req["chapter"], "institution": None if inst is None else str(inst),
            "states": states, "submit": submit, "hint": hint if isinstance(hint, str) else None}


def answer(session: Any, req: Mapping[str, Any]) -> dict[str, Any]:
    """The reply to an answer request: :meth:`Session.replay` of the request, plus the
    counts for the progress bar."""
    out = session.replay(req.get("states"), submit=req.get("submit"), hint=req.get("hint"))
    out["solved"] = sum(1 for q in session.graded if out["states"][q.id]["solved"])
    out["graded"] = len(session.graded)
    return out


# ----------------------------------------------------------------------------- page

_CSS = """<style>
body{margin:0;background:#fff;color:#1b1b1b}
#llkit-root{padding:16px 24px 48px;max-width:1040px;font:15px/1.5 "DejaVu Sans",Arial,sans-serif}
.llkit-md h1,.llkit-md h2,.llkit-md h3{line-height:1.25}
.llkit-md .anchor-link{display:none}
.llkit-output{margin:0.6em 0}
.llkit-output img{max-width:100%;height:auto}
.llkit-output table{border-collapse:collapse}
.llkit-output th,.llkit-output td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}
.llkit-ex-form .llkit-option{display:block;margin:2px 0;cursor:pointer}
.llkit-ex-form .llkit-number{font-size:15px;padding:4px 6px;width:12em}
.llkit-ex-form .llkit-text{width:100%;box-sizing:border-box;font:15px "DejaVu Sans",Arial,sans-serif}
.llkit-ex-buttons{display:flex;align-items:center;gap:10px;margin:8px 0}
.llkit-btn{font:14px "DejaVu Sans",Arial,sans-serif;padding:5px 14px;border:1px solid #8c959f;border-radius:3px;
background:#f6f8fa;cursor:pointer}
.llkit-btn-primary{background:#1f5f8b;border-color:#1f5f8b;color:#fff}
.llkit-btn:disabled{opacity:0.6;cursor:wait}
.llkit-progress-bar{width:16em;vertical-align:middle}
.llkit-cell-failed{border-left:6px solid #8a6d00;background:#fff7dc;padding:10px 14px;margin:8px 0}
.llkit-wait{display:none;position:sticky;top:0;z-index:10;border-left:6px solid #8a6d00;background:#fff7dc;
padding:10px 14px;margin:8px 0;max-width:760px}
.llkit-wait.on{display:block}
</style>"""

#: The Danish notice a slow answer shows (the page retries by itself).
WAIT_TEXT = ("Der er mange, der bruger kapitlet lige nu. Jeres svar er på vej – siden prøver selv "
             "igen, I skal ikke genindlæse.")

_SCRIPT = """<script>(function(){
var cfg=JSON.parse(document.getElementById('llkit-data').textContent);
var token=new URLSearchParams(location.search).get('token')||'';
var key='llkit:'+cfg.chapter+':'+cfg.institution,states={},urls=[];
var fbs={};
try{states=JSON.parse(sessionStorage.getItem(key)||'{}')||{};fbs=JSON.parse(sessionStorage.getItem(key+':fb')||'{}')||{};}
catch(e){states={};fbs={};}
var root=document.getElementById('llkit-root');
async function send(extra){
 var body=JSON.stringify(Object.assign({chapter:cfg.chapter,institution:cfg.institution,states:states},extra));
 var r=await llkitFetch(cfg.answerPath+'?token='+encodeURIComponent(token),{method:'POST',
   headers:{'Content-Type':'application/json'},body:body});
 if(r&&r.refused!==undefined){root.innerHTML=r.refused;return null;}
 return r;
}
function box(id){return document.querySelector('.llkit-ex-form[data-ex="'+CSS.escape(id)+'"]');}
function apply(r,asked){
 if(!r) return;
 states=r.states;try{sessionStorage.setItem(key,JSON.stringify(states));}catch(e){}
 Object.keys(r.parts).forEach(function(id){var b=box(id);if(!b)return;var p=r.parts[id];
  b.querySelector('[data-part=status]').innerHTML=p.status;b.querySelector('[data-part=sol]').innerHTML=p.sol;
  if(id===asked||p.fb){b.querySelector('[data-part=fb]').innerHTML=p.fb;fbs[id]=p.fb;}});
 try{sessionStorage.setItem(key+':fb',JSON.stringify(fbs));}catch(e){}
 document.querySelectorAll('[data-progress]').forEach(function(el){el.textContent=r.progress;});
 document.querySelectorAll('progress.llkit-progress-bar').forEach(function(el){el.max=Math.max(r.graded,1);el.value=r.solved;});
 urls.forEach(function(u){URL.revokeObjectURL(u)});urls=[];
 var mime={md:'text/markdown',html:'text/html',json:'application/json'};
 document.querySelectorAll('a.llkit-export-link').forEach(function(a){var ext=a.dataset.ext;
  var u=URL.createObjectURL(new Blob([r.export[ext]],{type:mime[ext]+';charset=utf-8'}));urls.push(u);
  a.href=u;a.download=r.files[ext];});
}
function value(b){var k=b.dataset.kind;
 if(k==='Reflection') return b.querySelector('textarea').value;
 if(k==='Numeric') return b.querySelector('input.llkit-number').value;
 var c=b.querySelector('input[type=radio]:checked');return c?c.value:null;}
function fill(b,s){if(!s||s.answer===null||s.answer===undefined)return;var k=b.dataset.kind;
 if(k==='Reflection'){b.querySelector('textarea').value=s.answer_text||'';return;}
 if(k==='Numeric'){b.querySelector('input.llkit-number').value=String(s.answer);return;}
 b.querySelectorAll('input[type=radio]').forEach(function(i){i.checked=(i.value===String(s.answer));});}
document.querySelectorAll('.llkit-ex-form').forEach(function(b){
 var id=b.dataset.ex,btn=b.querySelector('.llkit-check');
 async function check(){btn.disabled=true;try{apply(await send({submit:[id,value(b)]}),id);}finally{btn.disabled=false;}}
 btn.addEventListener('click',check);
 var n=b.querySelector('input.llkit-number');if(n)n.addEventListener('keydown',function(e){if(e.key==='Enter')check();});
 var h=b.querySelector('.llkit-hint-btn');if(h)h.addEventListener('click',function(){
  var t=b.querySelector('.llkit-hint');if(t)t.hidden=false;});
 fill(b,states[id]);
 if(fbs[id]) b.querySelector('[data-part=fb]').innerHTML=fbs[id];
});
send({}).then(function(r){apply(r,null);});
root.classList.add('llkit-live');
window.llkit_ready_ms=performance.now();
})();</script>"""


def page_html(rel: str, institution: str, drawn: Mapping[str, Any]) -> str:
    """The chapter page for one institution, drawn by :func:`render_chapter`."""
    from llkit.apps.exercises.kinds import _CSS as exercise_css
    from llkit.apps.serve.static import FETCH_JS
    data = {"chapter": rel, "institution": institution, "answerPath": ANSWER_PATH}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    body = (f"<div id='llkit-root' class='llkit-chapter llkit-static'>"
            f"<div class='llkit-wait' id='llkit-wait' role='status'>{_esc(WAIT_TEXT)}</div>"
            f"{drawn['body']}</div>"
            f"<script type='application/json' id='llkit-data'>{payload}</script>{FETCH_JS}{_SCRIPT}")
    return ("<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_esc(drawn['title'])}</title>{_CSS}{exercise_css}</head><body>{body}</body></html>")
