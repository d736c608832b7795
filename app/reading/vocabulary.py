"""The words the reading rules know: currencies, months, and the nouns that count people.
Kept apart from the rules so that a missed word is one edit here."""

from app.domain.dates import MONTH_NAMES


def words_of(words: str) -> list[str]:
    """The words of a list written as one string (a list literal of 100 words reads worse)."""
    return words.split()


MONTHS: tuple[str, ...] = (*MONTH_NAMES, "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
                           "Sep", "Sept", "Oct", "Nov", "Dec")  # fmt: skip

# A sign before a figure, to its ISO 4217 code. "$" alone is the US dollar, as in most news.
CURRENCY_SIGNS: dict[str, str] = {
    "US$": "USD", "U.S.$": "USD", "A$": "AUD", "AU$": "AUD", "C$": "CAD", "CA$": "CAD",
    "S$": "SGD", "HK$": "HKD", "NT$": "TWD", "NZ$": "NZD", "$": "USD", "€": "EUR", "£": "GBP",
    "¥": "JPY", "₩": "KRW", "₹": "INR", "₱": "PHP", "₽": "RUB", "৳": "BDT",
    "USD": "USD", "EUR": "EUR", "GBP": "GBP", "JPY": "JPY", "KRW": "KRW", "KPW": "KPW",
    "INR": "INR", "NPR": "NPR", "BDT": "BDT", "PHP": "PHP", "RUB": "RUB", "PKR": "PKR",
    "LKR": "LKR", "IDR": "IDR", "MYR": "MYR", "QAR": "QAR", "SAR": "SAR", "AED": "AED",
    "CNY": "CNY", "RMB": "CNY", "VND": "VND", "THB": "THB", "Rs.": "INR", "Rs": "INR",
    "Tk.": "BDT", "Tk": "BDT", "Rp": "IDR", "RM": "MYR", "P": "PHP",
}  # fmt: skip
# Currency words after a figure. A word several countries use (rupees, dollars, won) is
# settled by the country word before it ("Nepali rupees") or by the text's countries.
CURRENCY_WORDS: dict[str, str] = {
    "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP",
    "yen": "JPY", "won": "KRW", "rubles": "RUB", "roubles": "RUB", "ruble": "RUB",
    "rupees": "INR", "rupee": "INR", "taka": "BDT", "pesos": "PHP", "peso": "PHP",
    "ringgit": "MYR", "dirhams": "AED", "riyals": "SAR", "rials": "SAR", "yuan": "CNY",
    "renminbi": "CNY", "dong": "VND", "baht": "THB", "rupiah": "IDR", "tenge": "KZT",
    "somoni": "TJS", "soms": "KGS", "som": "UZS", "hryvnias": "UAH", "lira": "TRY",
}  # fmt: skip
# Which country's money a shared currency word means, by the country's alpha-3 code.
NATIONAL_CURRENCY: dict[tuple[str, str], str] = {
    ("rupees", "NPL"): "NPR", ("rupees", "PAK"): "PKR", ("rupees", "LKA"): "LKR",
    ("rupees", "IND"): "INR", ("won", "PRK"): "KPW", ("won", "KOR"): "KRW",
    ("dollars", "AUS"): "AUD", ("dollars", "CAN"): "CAD", ("dollars", "SGP"): "SGD",
    ("dollars", "HKG"): "HKD", ("dollars", "TWN"): "TWD", ("dollars", "NZL"): "NZD",
    ("riyals", "QAT"): "QAR", ("riyals", "SAU"): "SAR", ("riyals", "OMR"): "OMR",
    ("pesos", "MEX"): "MXN", ("pesos", "PHL"): "PHP", ("dinars", "KWT"): "KWD",
    ("som", "KGZ"): "KGS", ("som", "UZB"): "UZS",
}  # fmt: skip

# Nouns that count people (singular and plural), after a figure or as what it counts; a visa
# or a permit is one person's, and news counts migrants by them.
PEOPLE = frozenset(
    words_of("""worker workers laborer laborers labourer labourers migrant migrants people persons
    person employee employees nurse nurses caregiver caregivers student students trainee
    trainees refugee refugees troop troops soldier soldiers citizen citizens national
    nationals resident residents applicant applicants recruit recruits staff seafarer
    seafarers fishermen fisherman immigrant immigrants emigrant emigrants returnee returnees
    deportee deportees victim victims men women children child individual individuals
    foreigner foreigners domestics helpers helper maids maid jobseekers job-seekers
    hires arrivals departures asylum-seekers seekers deaths dead died detainees prisoners
    defectors escapees engineers doctors teachers drivers farmworkers farmhands builders
    interns visitors tourists crew members laborers' households families family passengers
    graduates mercenaries personnel youths youth aspirants bodies ofws relatives
    deceased visas visa permits koreans""")
)
# A figure's unit, from the noun of time after it.
DURATIONS = frozenset({"hours", "days", "weeks", "months", "years"})
