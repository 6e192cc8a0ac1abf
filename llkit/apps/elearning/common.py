"""Page elements shared by every e-learning chapter.

A chapter notebook starts with :func:`open_chapter` (load the data, check the
institution, create the exercise :class:`~llkit.apps.exercises.Session`), shows
:func:`chapter_header`, explains with figures and exercises from its chapter module, and
ends with :func:`reflection_box` / an :class:`~llkit.apps.exercises.Reflection`,
:func:`summary` and the session's progress and export widgets. A section whose data is
absent shows :func:`no_data` instead of failing.

Examples
--------
>>> ds, session = open_chapter("data/sample/dagtilbud", "I01", "01")
>>> "Kapitel 1" in chapter_header(ds, "I01", number=1, title="T", purpose="P", minutes=20).html
True
>>> str(no_data("en medarbejderundersøgelse"))
'Jeres data har ikke en medarbejderundersøgelse – afsnittet springes over.'
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.data import memo as dataset_memo
from llkit.documents import common as doc
from llkit.documents.common import institution_info, prepare
from llkit.documents.family import family_verdict, report_family
from llkit.present import html as blocks
from llkit.present.html import Block
from llkit.present.labels import measure_info, measure_title, round_label

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "Block",
    "chapter_header",
    "no_data",
    "exercise_skipped",
    "summary",
    "reflection_box",
    "open_chapter",
    "institution_info",
    "report_family",
    "family_verdict",
    "labels",
    "figure_html",
    "prose",
    "CHAPTER_TITLES",
    "table",
    "measure_info",
    "measure_title",
    "inst_rounds",
    "round_label",
    "focus_measure",
    "memo",
]

#: The module's chapters (number -> Danish title).
CHAPTER_TITLES = {
    1: "Datainformeret læringsledelse",
    2: "Gennemsnit og fordelinger",
    3: "Usikkerhed og små grupper",
    4: "Udvikling over tid",
    5: "Sammenligning med andre",
    6: "Social baggrund og lige muligheder",
    7: "Kultur, læringsmiljø og tegn på læring",
    8: "Fra analyse til handleplan",
}

MODULE_TITLE = "Tolkning og brug af kortlægningens resultater"

_CSS = """<style>
.llkit-el-head { border-bottom: 2px solid #1f5f8b; margin-bottom: 1em; padding-bottom: 0.4em; }
.llkit-el-head .llkit-kicker { text-transform: uppercase; letter-spacing: 0.06em; font-size: 0.8rem;
  color: #555; margin: 0; }
.llkit-el-meta { display: flex; gap: 2em; flex-wrap: wrap; font-size: 0.95rem; }
.llkit-el-box { background: #f3f7fa; border-left: 4px solid #1f5f8b; padding: 0.5em 1.1em; margin: 1em 0; }
.llkit-empty { color: #555; font-style: italic; }
.llkit-figure img { max-width: 100%; height: auto; }
.llkit-note { color: #555; font-size: 0.88rem; }
</style>"""


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def labels(ds: Dataset) -> dict[str, str]:
    """The sector's words (lower case where used inside sentences).

    Returns
    -------
    dict
        ``children`` ("børn"/"elever"), ``child`` ("barn"/"elev"), ``department``
        ("stue/gruppe"/"klasse"), ``departments``, ``institution`` ("dagtilbud"/"skole"),
        ``institutions``, ``respondents`` ("medarbejdere"), ``sector``.

    Examples
    --------
    >>> labels(prepare("data/sample/skole"))["children"]
    'elever'
    """
    try:
        lab = dict(ds.profile.labels)
    except Exception:  # noqa: BLE001 - unknown sector: generic words
        lab = {}
    get = lab.get
    return {
        "children": get("children", "Børn").lower(),
        "child": get("child", "Barn").lower(),
        "department": get("department", "Afdeling").lower(),
        "departments": get("departments", "Afdelinger").lower(),
        "institution": get("institution", "Institution").lower(),
        "institutions": get("institutions", "Institutioner").lower(),
        "respondents": get("respondents", "Medarbejdere").lower(),
        "sector": get("sector", str(getattr(ds.meta, "sector", ""))).lower(),
        "municipality": get("municipality", "Kommune").lower(),
        "national": get("national", "Landsplan").lower(),
        **_child_forms(get("child", "Barn").lower()),
    }


def _child_forms(child: str) -> dict[str, str]:
    """Article forms of the child noun: neuter "barn" (et barn, hvert barn, det enkelte
    barn, barnet, børnene) or common gender "elev" (en elev, hver elev, den enkelte elev,
    eleven, eleverne).

    Examples
    --------
    >>> f = _child_forms("elev")
    >>> f["the_child"], f["the_children"], _child_forms("barn")["the_children"]
    ('eleven', 'eleverne', 'børnene')
    """
    neuter = child in {"barn", "menneske"}
    return {
        "a_child": f"{'et' if neuter else 'en'} {child}",
        "each_child": f"{'hvert' if neuter else 'hver'} {child}",
        "the_single_child": f"{'det' if neuter else 'den'} enkelte {child}",
        "the_child": f"{child}{'et' if neuter else 'en'}",            # barnet / eleven
        "the_children": {"barn": "børnene", "elev": "eleverne"}.get(child, f"{child}ene"),
    }


def _resolve(data: Any) -> Any:
    """A relative dataset path as given when it exists from the working directory;
    otherwise from the nearest parent directory where it exists (JupyterLab and Voila
    start the kernel in the notebook's folder, ``notebooks/elearning``)."""
    if not isinstance(data, str | Path):
        return data
    p = Path(data)
    if p.is_absolute() or p.exists():
        return data
    for parent in list(Path.cwd().parents)[:4]:
        if (parent / p).exists():
            return parent / p
    return data


def open_chapter(data: Any, institution: str, chapter: Any, *, store: str | Path | None = None
                 ) -> tuple[Dataset, ex.Session]:
    """Load the participant's data and start the chapter's exercise session.

    Parameters
    ----------
    data : str, Path or Dataset
        Dataset folder/workbook (relative to the working directory) or a loaded dataset.
    institution : str
        Institution id (or name).
    chapter : str or int
        Chapter number, e.g. ``1`` or ``"01"``.
    store : str or Path, optional
        JSON file where the answers are kept between visits.

    Returns
    -------
    (Dataset, Session)

    Raises
    ------
    KeyError
        The institution is not in the data.
    """
    ds = prepare(_resolve(data))
    inst = institution_info(ds, institution)
    try:
        num = int(chapter)
        cid = f"{num:02d}"
        title = f"Kapitel {num}: {CHAPTER_TITLES.get(num, '')}".rstrip(": ")
    except (TypeError, ValueError):
        cid, title = str(chapter), f"Kapitel {chapter}"
    session = ex.Session(cid, inst["id"], title=f"{title} – {inst['name']}", store=store)
    return ds, session


def chapter_header(ds: Dataset, institution: str, *, number: int, title: str, purpose: str,
                   minutes: int | str) -> Block:
    """The chapter's title, the participant's institution, purpose and time to learn.

    Parameters
    ----------
    ds : Dataset
    institution : str
    number : int
    title : str
    purpose : str
        One or two Danish sentences: what the team can do after the chapter.
    minutes : int or str
        Reading time, e.g. ``20`` or ``"15–25"``.

    Returns
    -------
    Block
    """
    inst = institution_info(ds, institution)
    where = " · ".join(str(x) for x in [inst["cluster"], inst["area"], ds.meta.name] if x)
    synthetic = ('<p class="llkit-note">Data er syntetiske: alle navne og tal er opdigtede.</p>'
                 if getattr(ds.meta, "synthetic", False) else "")
    return Block(
        f'{_CSS}<header class="llkit-el-head llkit-title">'
        f'<p class="llkit-kicker">E-læring · {_esc(MODULE_TITLE)} · Kapitel {int(number)}</p>'
        f"<h1>{_esc(title)}</h1>"
        f"<p><b>{_esc(inst['name'])}</b>{' · ' + _esc(where) if where else ''}</p>"
        f'<div class="llkit-el-box"><p><b>Formål:</b> {_esc(purpose)}</p>'
        f"<p><b>Tid:</b> ca. {_esc(minutes)} minutters læsning plus opgaverne. Alle tal, figurer og "
        f"facitter i kapitlet er regnet på jeres egne data.</p></div>{synthetic}</header>"
    )


def no_data(what: str) -> Block:
    """The one line shown instead of a section whose data is absent.

    Examples
    --------
    >>> str(no_data("flere målinger"))
    'Jeres data har ikke flere målinger – afsnittet springes over.'
    """
    return Block(f'<p class="llkit-empty">Jeres data har ikke {_esc(what)} – afsnittet springes over.</p>')


def exercise_skipped() -> Block:
    """Shown instead of an exercise whose data is absent (the section above already said
    what is missing, so this does not repeat it).

    Examples
    --------
    >>> str(exercise_skipped())
    'Opgaven springes over, fordi jeres data ikke har det, den bygger på.'
    """
    return Block('<p class="llkit-empty">Opgaven springes over, fordi jeres data ikke har det, '
                 'den bygger på.</p>')


def summary(points: list[str]) -> Block:
    """The chapter's summary ("Opsummering") as a bullet list."""
    items = "".join(f"<li>{_esc(p)}</li>" for p in points)
    return Block(f'<section class="llkit-el-box"><h2>Opsummering</h2><ul>{items}</ul></section>')


def reflection_box(prompt: str | list[str]) -> Block:
    """A static box with the reflection prompt(s) for the leadership team's meeting."""
    prompts = [prompt] if isinstance(prompt, str) else list(prompt)
    items = "".join(f"<li>{_esc(p)}</li>" for p in prompts)
    return Block(f'<section class="llkit-el-box"><h3>Til refleksion i ledelsesteamet</h3><ul>{items}</ul>'
                 "</section>")


def prose(*paragraphs: str, title: str | None = None) -> Block:
    """Danish paragraphs (built from the data) as a block, with an optional heading."""
    head = f"<h3>{_esc(title)}</h3>" if title else ""
    return Block(head + "".join(f"<p>{_esc(p)}</p>" for p in paragraphs if p))


def figure_html(fig: Any, caption: str | None = None) -> Block:
    """A matplotlib figure inlined as SVG (no files, no network); the figure is closed."""
    return Block(blocks.figure_html(fig, caption))


# ----------------------------------------------------------------------------- data helpers


def table(df: Any, caption: str | None = None) -> Block:
    """A table of already formatted (Danish) strings as a block."""
    return Block(blocks.styled_table(df, caption=caption))


def inst_rounds(ds: Dataset, institution: str) -> list[str]:
    """The rounds in which the institution has answers, in order."""
    return doc.institution_rounds(ds, institution_info(ds, institution))


def focus_measure(ds: Dataset, institution: str, *, cuts: bool = False, rounds: int = 1) -> str | None:
    """The child measure a chapter explains with: scored on a known scale (and with cut
    points when ``cuts``), with the most children of the institution in its last round
    (ties: the first in the measures table), and present in at least ``rounds`` rounds.
    ``None`` when no measure qualifies.

    Examples
    --------
    >>> focus_measure(prepare("data/sample/skole"), "S01", cuts=True) in {"faglig", "social", "stoette", "ro"}
    True
    """
    from llkit.stats import indicators

    info = measure_info(ds)
    cand = [m for m in info.index if info.loc[m, "subject"] == "child"
            and pd.notna(info.loc[m, "scale_min"]) and pd.notna(info.loc[m, "scale_max"])]
    if cuts:
        cand = [m for m in cand if pd.notna(info.loc[m, "low_cut"]) and pd.notna(info.loc[m, "high_cut"])]
    # prefer scales of several items (they have a reliability; a single test score has not)
    n_items = ds.items.groupby(ds.items["measure_id"].astype(str)).size()
    multi = [m for m in cand if int(n_items.get(m, 0)) >= 2]
    cand = multi or cand
    my_rounds = inst_rounds(ds, institution)
    if not cand or len(my_rounds) < rounds:
        return None
    inst = institution_info(ds, institution)
    sc = indicators.scores(ds, cand)
    sc = sc[sc["institution_id"].astype(str) == inst["id"]]
    best, best_n = None, 0
    for m in cand:
        sm = sc[sc["measure_id"].astype(str) == m]
        per_round = sm.groupby(sm["round"].astype(str), observed=True)["subject_id"].nunique()
        if (per_round >= ds.meta.min_n).sum() < rounds:
            continue
        n = int(per_round.get(my_rounds[-1], 0))
        if n > best_n:
            best, best_n = m, n
    return best if best_n >= ds.meta.min_n else None


def memo(ds: Dataset, key: tuple, make: Any) -> Any:
    """Compute ``make()`` once per dataset object and key (the chapter's numbers)."""
    return dataset_memo.cached(ds, ("elearning", *key), make)
