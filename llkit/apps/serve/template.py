"""The page template of the served views: a copy of Voilà's ``lab`` template without CDN
stylesheets, with a Danish loading text, preloaded scripts (listed in
``llkit/apps/serve_preload.txt``) and the early view."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from llkit.apps.serve.kernel import EARLY_KEY, EARLY_VALUE


def _voila_templates() -> Path | None:
    try:
        import voila.paths as vp

        for base in vp.jupyter_path("voila", "templates"):
            if (Path(base) / "lab" / "index.html.j2").is_file():
                return Path(base)
    except Exception:  # noqa: BLE001 - the stock template is used then
        return None
    return None


#: Shown when a page has had no content for 8 s (its kernel is still starting).
WAIT_NOTICE = ("Der er mange, der åbner siden lige nu. Jeres visning bliver gjort klar og kommer "
               "af sig selv – I skal ikke genindlæse siden.")

#: Danish text under the spinner while the page loads, and the notice after 8 s.
_LOADING_JS = (
    "<script>window.voila_process=function(i,n){window.update_loading_text(i,n,"
    "'Henter visningen … ('+i+' af '+n+')')};"
    "(function(){function has(){return document.querySelector('#rendered_cells .jp-Cell,#llkit-early,.llkit-refusal,.llkit-inline')}"
    "function tick(){var n=document.getElementById('llkit-wait');if(has()){if(n)n.remove();return;}"
    "if(!n&&document.body){n=document.createElement('div');n.id='llkit-wait';n.className='llkit-wait';"
    "n.setAttribute('role','status');n.style.cssText='border-left:6px solid #8a6d00;background:#fff7dc;"
    "padding:10px 14px;margin:12px 24px;font:15px DejaVu Sans,Arial,sans-serif;max-width:760px;"
    "position:relative;z-index:1000';"
    f"n.textContent={WAIT_NOTICE!r};document.body.insertBefore(n,document.body.firstChild);}}"
    "setTimeout(tick,1000);}setTimeout(tick,8000);})();</script>"
)


_EARLY_HOOK = "{% block data_priority scoped %}\n{% if output %}"
_EARLY_BLOCK = (
    "{% block data_priority scoped %}\n"
    f"{{% if output and output.metadata and output.metadata.get('{EARLY_KEY}') == '{EARLY_VALUE}' %}}\n"
    "{% set early = output.data['text/html'] %}"
    "<div class=\"llkit-early-src\" hidden>{{ early if early is string else early | join('') }}</div>"
    "<script>(function(s){var src=s.previousElementSibling,box=document.createElement('div');"
    "box.id='llkit-early';box.className='llkit-early';"
    "while(src.firstChild){box.appendChild(src.firstChild);}src.parentNode.removeChild(src);"
    "var r=document.getElementById('rendered_cells');r.parentNode.insertBefore(box,r);"
    "document.body.classList.add('llkit-early-on');window.llkit_early_ms=performance.now();"
    "})(document.currentScript)</script>\n"
    "<style>body.llkit-early-on #loading{display:none !important}"
    "#llkit-early{padding:16px 24px 0 24px}</style>\n"
    # Plain HTML outputs (text, figures, tables; no widget) are written into the page as
    # they arrive, in their place, instead of waiting for Voila's scripts to render them.
    "{% elif output and output.output_type in ('display_data', 'execute_result') and output.data"
    " and 'text/html' in output.data and 'application/vnd.jupyter.widget-view+json' not in output.data %}\n"
    "{% set inline = output.data['text/html'] %}"
    "<div class=\"llkit-inline jp-OutputArea-output jp-RenderedHTMLCommon\">"
    "{{ inline if inline is string else inline | join('') }}</div>"
    "<script>document.body.classList.add('llkit-inline-on');</script>\n"
    "{% elif output %}"
)
#: Makes the cells visible as they arrive once a plain HTML output has been written in.
_INLINE_CSS = ("<style>body.llkit-inline-on #rendered_cells{display:block !important}"
               "body.llkit-inline-on #loading{display:none !important}</style>")


def write_template(jupyter_dir: str | Path, preload: Sequence[str] = ()) -> Path | None:
    """Write a copy of Voilà's ``lab`` template under ``jupyter_dir/voila/templates/lab``
    without the two stylesheets it loads from a CDN (no network requests), with a Danish
    loading text, ``<link rel=preload>`` for the page's scripts (``preload``: paths
    below ``/voila/``), so the browser fetches them while the kernel still works, and the
    *early view* (:func:`early_display`): outputs so marked are written into the page as
    HTML, visible before Voilà's scripts have loaded.

    Returns the template folder, or ``None`` if Voilà's template was not found.
    """
    stock = _voila_templates()
    if stock is None:
        return None
    text = (stock / "lab" / "index.html.j2").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if "cdn.jsdelivr.net" not in ln]
    text = "\n".join(lines) + "\n"
    links = "".join(
        f'<link rel="preload" as="script" href="{{{{ resources.base_url }}}}voila/{p}">' for p in preload)
    text = text.replace("{%- block notebook_css -%}", "{%- block notebook_css -%}\n" + links, 1)
    text = text.replace("{{ voila_setup_helper_functions() }}",
                        "{{ voila_setup_helper_functions() }}\n" + _LOADING_JS + _INLINE_CSS, 1)
    if _EARLY_HOOK in text:
        text = text.replace(_EARLY_HOOK, _EARLY_BLOCK, 1)
    out = Path(jupyter_dir) / "voila" / "templates" / "lab"
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html.j2").write_text(text, encoding="utf-8")
    return out


def _preload_list() -> list[str]:
    """The scripts a dashboard page loads (recorded from Voilà 0.5.13), those present."""
    listing = Path(__file__).parent.with_name("serve_preload.txt")   # in llkit/apps/
    if not listing.is_file():
        return []
    stock = _voila_templates()
    out = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(line)
    if stock is not None:
        static = stock / "base" / "static"
        out = [p for p in out if not p.startswith("static/") or (static / p[len("static/"):]).is_file()]
    return out
