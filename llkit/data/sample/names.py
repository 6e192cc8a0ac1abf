"""Invented Danish names of the sample municipality: areas, institutions, departments, goals.

Nothing here names a real place; the lists only make the synthetic data read naturally.
"""

from __future__ import annotations

_AREA_NAMES = ["Nord", "Syd", "Øst", "Vest", "Midt", "Nordvest", "Nordøst", "Sydvest",
               "Sydøst", "Centrum"]

_DT_PREFIX = ["Børnehuset", "Børnehaven", "Skovbørnehaven", "Naturbørnehaven",
              "Dagtilbuddet", "Børnegården", "Vuggestuen og børnehaven", "Børnehuset"]
_DT_NAMES = ["Mælkebøtten", "Egern", "Solsikken", "Regnbuen", "Troldehøjen", "Spiren",
             "Humlebien", "Mariehønen", "Kastanjen", "Bøgely", "Skovly", "Søstjernen",
             "Lærkereden", "Musholmen", "Kærgården", "Himmelblå", "Fyrtårnet", "Solstrålen",
             "Rødkælken", "Græshoppen", "Tusindfryd", "Bikuben", "Myretuen", "Ellebo",
             "Hasselbo", "Pilehuset", "Birkely", "Engbo", "Anemonen", "Valmuen", "Æblehaven",
             "Krudtuglen", "Pindsvinet", "Stjerneskuddet", "Klatretræet", "Lindehuset",
             "Havtornen", "Sneglehuset", "Tumlingen", "Kildebakken", "Perlen", "Ugleredet"]
_DT_DEPT_ANIMALS = ["Sommerfuglene", "Mariehønene", "Frøerne", "Egernene", "Pindsvinene",
                    "Bierne", "Mejserne", "Rævene", "Uglerne", "Grævlingerne", "Myrerne",
                    "Harerne", "Spurvene", "Solsikkerne", "Bjørnene", "Troldene",
                    "Blåbærrene", "Musene", "Krabberne", "Søstjernerne"]
_DT_DEPT_GROUPS = ["Vuggestuen", "Mellemgruppen", "Storegruppen", "Førskolegruppen",
                   "Skovgruppen"]

_SK_NAMES = ["Nørrebakke", "Søndervang", "Engskov", "Kirkebjerg", "Vestervang", "Østervold",
             "Lindebjerg", "Bakkegård", "Strandlund", "Havrebjerg", "Skovlund", "Møllevang",
             "Rosenhøj", "Egebjerg", "Solvang", "Holmegård", "Fjordvang", "Bøgeskov",
             "Kildevæld", "Tranehøj", "Ådalen", "Lærkevang", "Enghave", "Højmark"]

_GOALS = {
    "Alsidig personlig udvikling": [
        "Børnene tør prøve nye ting og bliver ved, selv om det er svært",
        "Børnene kan give udtryk for egne ønsker og behov",
        "Børnene tager initiativ i hverdagens rutiner",
    ],
    "Social udvikling": [
        "Børnene kan sætte ord på egne og andres følelser",
        "Alle børn er en del af en legerelation",
        "Børnene løser små konflikter med hjælp fra en voksen",
    ],
    "Kommunikation og sprog": [
        "Børnene fortæller om egne oplevelser i samling",
        "Børnene bruger nye ord fra højtlæsningen i legen",
        "Børnene lytter og svarer i samtaler med flere turskift",
    ],
    "Krop, sanser og bevægelse": [
        "Børnene klarer selv påklædning i garderoben",
        "Børnene afprøver kroppens muligheder på legepladsen",
        "Børnene mærker efter og sætter ord på sanseindtryk",
    ],
    "Natur, udeliv og science": [
        "Børnene undersøger småkryb og planter i nærområdet",
        "Børnene sorterer og tæller materialer fra naturen",
        "Børnene stiller spørgsmål og afprøver små eksperimenter",
    ],
    "Kultur, æstetik og fællesskab": [
        "Børnene deltager i sang og rim i fællesskabet",
        "Børnene udtrykker sig med farver, ler og genbrugsmaterialer",
        "Børnene kender og deltager i årets traditioner",
    ],
    "Dansk": [
        "Eleverne kan finde og forklare hovedbudskabet i en faglig tekst",
        "Eleverne giver hinanden respons på skriftlige opgaver",
    ],
    "Matematik": [
        "Eleverne kan forklare deres strategi ved regning med brøker",
        "Eleverne kan bruge et regneark til at undersøge data",
    ],
    "Engelsk": [
        "Eleverne kan præsentere sig selv og deres interesser på engelsk",
        "Eleverne bruger engelsk i korte samtaler om hverdagen",
    ],
    "Natur/teknologi": [
        "Eleverne kan opstille og afprøve en enkel hypotese",
        "Eleverne dokumenterer et forsøg med tegning og tekst",
    ],
    "Historie": [
        "Eleverne kan placere begivenheder på en tidslinje",
        "Eleverne kan skelne mellem kilder og fortællinger",
    ],
    "Idræt": [
        "Eleverne samarbejder i boldspil og overholder fælles regler",
        "Eleverne kan beskrive, hvordan pulsen ændrer sig ved aktivitet",
    ],
}
_GOAL_FALLBACK = ["Målet er formuleret i teamet", "Teamet arbejder med et fælles fokus"]
