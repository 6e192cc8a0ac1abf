"""The fixed value lists of the templates.

Curriculum themes, the elements of the pedagogical foundation, activity statuses, yes/no
and the kinds of subject a measure describes.
"""

from __future__ import annotations

from llkit.data.profiles.dagtilbud import THEMES as _DAGTILBUD_THEMES

#: The six themes of the strengthened pedagogical curriculum (læreplanstemaer), as in the
#: dagtilbud profile.
LAEREPLANSTEMAER = tuple(_DAGTILBUD_THEMES)

#: The nine elements of the common pedagogical foundation (det fælles pædagogiske grundlag).
PAEDAGOGISK_GRUNDLAG = (
    "Børnesyn",
    "Dannelse og børneperspektiv",
    "Leg",
    "Læring",
    "Børnefællesskaber",
    "Pædagogisk læringsmiljø",
    "Forældresamarbejde om børns læring",
    "Børn i udsatte positioner",
    "Sammenhæng til børnehaveklassen",
)

#: Status values of a development activity in the activities template.
ACTIVITY_STATUS = ("planlagt", "i gang", "afsluttet", "sat på pause")

YES_NO = ("ja", "nej")
SUBJECTS = ("child", "respondent", "department")
