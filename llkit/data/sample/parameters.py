"""Model parameters of the sample generator: sources, measures, backgrounds, sectors.

All effects are on a latent scale with a within-child SD of about 1.
"""

from __future__ import annotations

import numpy as np

#: Per answer source: marginal answer distribution over the scale points (low -> high),
#: share of subjects that answer at all, share of single answers left empty, SD of the
#: item noise, loading on the child's general factor, SD of institution and department
#: effects.
_SOURCE = {
    "pædagog": dict(probs=[.03, .09, .25, .38, .25], respond=.96, missing=.02, item_sd=.70,
                    loading=.65, inst_sd=.30, dept_sd=.20),
    "barn": dict(probs=[.10, .25, .65], respond=.88, missing=.05, item_sd=.90,
                 loading=.40, inst_sd=.22, dept_sd=.18, min_age=4),
    "forælder": dict(probs=[.02, .05, .15, .40, .38], respond=.72, missing=.04, item_sd=.70,
                     loading=.50, inst_sd=.25, dept_sd=.15),
    "elev": dict(probs=[.03, .07, .22, .40, .28], respond=.90, missing=.03, item_sd=.75,
                 loading=.50, inst_sd=.20, dept_sd=.25),
    "test": dict(probs=None, respond=.95, missing=.03, item_sd=.35,
                 loading=.70, inst_sd=.30, dept_sd=.20),
    "medarbejder": dict(probs=[.04, .10, .26, .38, .22], respond=.85, missing=.02, item_sd=.70,
                        inst_sd=.45),
    "observatør": dict(probs=[.07, .12, .20, .24, .20, .12, .05], respond=.95, missing=.01,
                       item_sd=.50),
}
_SOURCE_DEFAULT = dict(probs=None, respond=.9, missing=.03, item_sd=.7, loading=.5,
                       inst_sd=.25, dept_sd=.2)

#: Per child measure: effect of parents' education (per SD of the education score), of
#: speaking another language at home ("Andet sprog"; half for "Dansk og andet sprog") and
#: of being a boy; optional extra department SD.
_MEASURE = {
    "sprog": dict(edu=.32, lang=-.55, boy=-.12),
    "social": dict(edu=.16, boy=-.15),
    "personlig": dict(edu=.18),
    "krop": dict(edu=.10, boy=.10),
    "natur": dict(edu=.18),
    "kultur": dict(edu=.16, boy=-.10),
    "trivsel_p": dict(edu=.15, lang=-.10),
    "barn_trivsel": dict(edu=.04),
    "barn_venskab": dict(edu=.04, lang=-.10),
    "barn_laering": dict(edu=.06),
    "f_trivsel": dict(edu=.05),
    "f_samarbejde": dict(edu=.15, lang=-.35),
    "faglig": dict(edu=.25, lang=-.10),
    "social@skole": dict(edu=.08, lang=-.10),
    "stoette": dict(edu=.05),
    "ro": dict(edu=.05, boy=-.05, dept_sd=.40),
    "dansk": dict(edu=.45, lang=-.45),
    "matematik": dict(edu=.42, lang=-.25),
}
_MEASURE_DEFAULT = dict(edu=.15, lang=-.15, boy=-.05)

#: Score attached to each parents' education level (profile order), mean about 0.
_EDU_SCORE = np.array([-1.5, -0.8, -0.5, 0.2, 0.6, 1.2])
#: Shares of parents' education levels nationally (profile order).
_EDU_SHARE = np.array([.10, .08, .30, .06, .28, .18])
_LANG_SHARE = np.array([.85, .09, .06])

# Per sector: size of the improvement per round in "improving" institutions (child
# outcomes, staff culture, observed quality), share of improving institutions, years.
_SECTOR = {
    "dagtilbud": dict(first_year=2015, step=2, month="03", improve_share=.35,
                      gain_child=.16, gain_staff=.25, gain_obs=.25, drift=.03,
                      child_prefix="B", staff_per_child=1 / 5.5),
    "skole": dict(first_year=2021, step=1, month="02", improve_share=.20,
                  gain_child=.05, gain_staff=.15, gain_obs=.15, drift=.0,
                  child_prefix="E", staff_per_child=1 / 11),
}

#: SD of a child's latent score when nothing differs (``effects="none"``): the unit of the
#: planted sizes, in both ``effects`` modes.
_CHILD_SD = 0.9
