"""The user interface's languages: Finnish (default), English and Swedish where texts exist.
The language is chosen by the user (?lang=xx, remembered in a cookie), else taken from the
browser's Accept-Language. Texts are keyed by their English wording; a missing translation
shows the English text rather than nothing."""

from functools import partial

from fastapi import Request

LANGUAGES = {"fi": "suomi", "sv": "svenska", "en": "English"}
DEFAULT = "fi"
COOKIE = "kuultu_lang"

CATALOG: dict[str, dict[str, str]] = {
    "fi": {
        "Skip to content": "Siirry sisältöön",
        "Home": "Etusivu",
        "API documentation": "Rajapinnan kuvaus",
        "Staff": "Henkilöstö",
        "Projects": "Hankkeet",
        "Partnership tables": "Kumppanuuspöydät",
        "Follow your area": "Seuraa aluettasi",
        "Sign in": "Kirjaudu sisään",
        "Sign out": "Kirjaudu ulos",
        "Signed in as": "Kirjautuneena",
        "Language": "Kieli",
        "Main": "Päävalikko",
        "kuultu: your voice in Lahti is heard": "kuultu: äänesi kuuluu Lahdessa",
        "Give feedback": "Anna palautetta",
        "Follow your feedback": "Seuraa palautettasi",
        "Participation so far": "Osallistuminen tähän mennessä",
        "Your message": "Viestisi",
        "Kind": "Laji",
        "Area": "Alue",
        "Send": "Lähetä",
        "Receipt code": "Kuittikoodi",
        "Show status": "Näytä tila",
        "Development sign-in": "Kehityskirjautuminen",
        "Name": "Nimi",
        "Role": "Rooli",
        "Unit": "Yksikkö",
        "Sign-in failed": "Kirjautuminen epäonnistui",
        "Page not found": "Sivua ei löytynyt",
        "Something went wrong": "Jokin meni vikaan",
        "Back to the front page": "Takaisin etusivulle",
        "Staff dashboard": "Henkilöstön työpöytä",
        "I am told how my participation had an effect.":
            "Minulle kerrotaan, miten osallistumiseni vaikutti.",
    },
    "sv": {
        "Skip to content": "Hoppa till innehållet",
        "Home": "Startsida",
        "API documentation": "API-dokumentation",
        "Staff": "Personal",
        "Projects": "Projekt",
        "Partnership tables": "Partnerskapsbord",
        "Follow your area": "Följ ditt område",
        "Sign in": "Logga in",
        "Sign out": "Logga ut",
        "Language": "Språk",
        "Give feedback": "Ge respons",
        "Follow your feedback": "Följ din respons",
        "Send": "Skicka",
        "Receipt code": "Kvittokod",
        "Page not found": "Sidan hittades inte",
        "Back to the front page": "Tillbaka till startsidan",
        "I am told how my participation had an effect.":
            "Jag får veta hur mitt deltagande påverkade.",
    },
    "en": {},
}


def translate(language: str, text: str) -> str:
    return CATALOG.get(language, {}).get(text, text)


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def translator(language: str):
    return partial(translate, language)
