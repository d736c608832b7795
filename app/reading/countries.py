"""The countries a sentence names, by name (pycountry and CLDR's short names, through
app.domain.codes), by demonym ("North Korean", "Nepali", "Filipinos") or by capital in a
dateline or as a government ("Pyongyang"), and which of them is a figure's origin and
destination."""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from app.domain.codes import country_names
from app.reading.vocabulary import PEOPLE

# Demonyms, singular and plural, to alpha-3 codes: no library lists them, and they are how
# news names migrants ("Nepali workers", "13,000 North Koreans").
DEMONYMS: dict[str, str] = {
    "North Korean": "PRK", "South Korean": "KOR", "Russian": "RUS", "Nepali": "NPL",
    "Nepalese": "NPL", "Filipino": "PHL", "Filipina": "PHL", "Philippine": "PHL",
    "Bangladeshi": "BGD", "Indian": "IND", "Pakistani": "PAK", "Sri Lankan": "LKA",
    "Indonesian": "IDN", "Vietnamese": "VNM", "Chinese": "CHN", "Japanese": "JPN",
    "Thai": "THA", "Cambodian": "KHM", "Burmese": "MMR", "Myanmar": "MMR", "Laotian": "LAO",
    "Malaysian": "MYS", "Singaporean": "SGP", "Taiwanese": "TWN", "Mongolian": "MNG",
    "Ukrainian": "UKR", "Uzbek": "UZB", "Tajik": "TJK", "Kyrgyz": "KGZ", "Kazakh": "KAZ",
    "Turkmen": "TKM", "Afghan": "AFG", "Iranian": "IRN", "Iraqi": "IRQ", "Syrian": "SYR",
    "Turkish": "TUR", "Lebanese": "LBN", "Jordanian": "JOR", "Egyptian": "EGY",
    "Moroccan": "MAR", "Tunisian": "TUN", "Algerian": "DZA", "Sudanese": "SDN",
    "Ethiopian": "ETH", "Eritrean": "ERI", "Somali": "SOM", "Kenyan": "KEN", "Ugandan": "UGA",
    "Nigerian": "NGA", "Ghanaian": "GHA", "Senegalese": "SEN", "Zimbabwean": "ZWE",
    "Qatari": "QAT", "Saudi": "SAU", "Emirati": "ARE", "Kuwaiti": "KWT", "Omani": "OMN",
    "Bahraini": "BHR", "Yemeni": "YEM", "Israeli": "ISR", "Mexican": "MEX",
    "Guatemalan": "GTM", "Honduran": "HND", "Salvadoran": "SLV", "Venezuelan": "VEN",
    "Colombian": "COL", "Haitian": "HTI", "Cuban": "CUB", "Brazilian": "BRA",
    "Peruvian": "PER", "Ecuadorian": "ECU", "Polish": "POL", "Romanian": "ROU",
    "Bulgarian": "BGR", "Moldovan": "MDA", "Georgian": "GEO", "Armenian": "ARM",
    "Azerbaijani": "AZE", "Belarusian": "BLR", "German": "DEU", "French": "FRA",
    "British": "GBR", "American": "USA", "Canadian": "CAN", "Australian": "AUS",
    "Italian": "ITA", "Spanish": "ESP", "Portuguese": "PRT", "Greek": "GRC",
    "Croatian": "HRV", "Cypriot": "CYP",
}  # fmt: skip
# Capitals stand for their country's government or, at a text's head, its dateline.
CAPITALS: dict[str, str] = {
    "Pyongyang": "PRK", "Seoul": "KOR", "Moscow": "RUS", "Kathmandu": "NPL", "Dhaka": "BGD",
    "Manila": "PHL", "New Delhi": "IND", "Islamabad": "PAK", "Colombo": "LKA",
    "Jakarta": "IDN", "Hanoi": "VNM", "Beijing": "CHN", "Tokyo": "JPN", "Doha": "QAT",
    "Riyadh": "SAU", "Abu Dhabi": "ARE", "Kuala Lumpur": "MYS", "Kyiv": "UKR",
}  # fmt: skip
# Words of a text on work abroad in general: it names no single destination.
_GENERIC_DESTINATION = re.compile(
    r"\b(?:abroad|overseas|foreign (?:employment|countries|jobs?)|different countries|"
    r"various (?:countries|destinations)|destinations|countries like)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    code: str
    start: int
    end: int
    words: str
    demonym: bool


@cache
def _pattern() -> re.Pattern[str]:
    names = {**country_names(), **CAPITALS}
    names.update({f"{d}s": c for d, c in DEMONYMS.items() if not d.endswith(("ese", "sh"))})
    names.update(DEMONYMS)
    alternatives = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, alternatives)) + r")\b")


@cache
def _codes() -> dict[str, str]:
    codes = {**country_names(), **CAPITALS}
    codes.update({f"{d}s": c for d, c in DEMONYMS.items()})
    codes.update(DEMONYMS)
    return codes


def mentions(sentence: str) -> list[Mention]:
    """Every country a sentence names; "Russian-occupied" and "Russia's" count too."""
    found = []
    for match in _pattern().finditer(sentence):
        words = match.group()
        base = words[:-1] if words.endswith("s") and words[:-1] in DEMONYMS else words
        found.append(Mention(_codes()[words], match.start(), match.end(), words, base in DEMONYMS))
    return found


def _is_people(after: str) -> bool:
    words = re.findall(r"[A-Za-z'-]+", after)[:3]
    return any(word.lower() in PEOPLE or word.lower() == "ofws" for word in words)


def origins_in(sentence: str) -> list[Mention]:
    """Countries named as where people come from: a demonym of people ("Nepali workers",
    "North Koreans"), "from X", or a country that sends ("North Korea has sent")."""
    found = []
    for mention in mentions(sentence):
        after = sentence[mention.end : mention.end + 40]
        before = sentence[max(0, mention.start - 12) : mention.start]
        if (
            (mention.demonym and (mention.words.endswith("s") or _is_people(after)))
            or (not mention.demonym and re.search(r"\bfrom\s+(?:the\s+)?$", before))
            or (
                not mention.demonym
                and re.match(
                    r"\s+(?:has\s+|had\s+|is\s+)?(?:sent|sends|send|dispatched|deployed|exported)\b",
                    after,
                )
            )
        ):
            found.append(mention)
    return found


def destinations_in(sentence: str) -> list[Mention]:
    """Countries named as where people go or work: "to X", "into X", "in X", or a country
    that takes them in ("Qatar had 2,635 workers")."""
    found = []
    for mention in mentions(sentence):
        if mention.demonym or mention.words in CAPITALS:
            continue
        before = sentence[max(0, mention.start - 20) : mention.start]
        after = sentence[mention.end : mention.end + 30]
        if re.search(r"\b(?:and|or)\s+(?:the\s+)?$", before) or re.match(r"\s+(?:and|or)\b", after):
            continue  # one of several places: no single destination
        if re.search(r"\b(?:to|into|in|at|for|reached|entered)\s+(?:the\s+)?$", before) or re.match(
            r"\s+(?:had|has|hosts|employs|received|receives|admitted|issued|hired)\b", after
        ):
            found.append(mention)
    return found


@dataclass(frozen=True)
class TextCountries:
    """What a whole text says of countries: the origin most of its figures share, the one
    destination it is about (if it is about one), its dateline's country."""

    origin: str | None
    destination: str | None
    home: str | None  # the dateline's country, else the usual origin


def of_text(sentences: list[str]) -> TextCountries:
    origins: Counter[str] = Counter()
    destinations: Counter[str] = Counter()
    for sentence in sentences:
        origins.update(m.code for m in origins_in(sentence))
        destinations.update(m.code for m in destinations_in(sentence))
    origin = origins.most_common(1)[0][0] if origins else None
    destinations.pop(origin or "", None)
    ranked = destinations.most_common(2)
    destination = None
    generic = any(_GENERIC_DESTINATION.search(sentence) for sentence in sentences)
    if ranked and not generic and (len(ranked) == 1 or ranked[0][1] >= 3 * ranked[1][1]):
        destination = ranked[0][0]
    home = None
    dateline = re.match(r"\s*([A-Z][A-Z ]+),", sentences[0]) if sentences else None
    if dateline:
        home = next((c for n, c in CAPITALS.items() if n.upper() == dateline[1].strip()), None)
    return TextCountries(origin, destination, home or origin)
