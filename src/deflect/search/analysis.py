"""Language-aware analysis: words, stop words, Snowball stems and accent folding.

Every word is indexed (and queried) in up to three *forms* at the same
position, so that a customer who types with or without accents meets the
article whichever way it is written:

* ``stem(word)``: the Snowball stem of the word as written (German needs its
  umlauts to stem right: ``Anhänge`` → ``anhang``);
* ``fold(stem(word))``: that stem without accents (French and Spanish stems
  keep their accents: ``sévérité`` → ``sever``);
* ``stem(fold(word))``: the stem of the word typed without accents
  (``gravite`` → ``gravit``, equal to ``fold(stem("gravità"))``).

Folding only before stemming breaks German, folding only after stemming
breaks French and Spanish; indexing both keeps both working.

>>> sorted(forms("anhänge", "de"))
['anhang']
>>> sorted(forms("gravità", "it")), sorted(forms("gravite", "it"))
(['grav', 'gravit'], ['grav'])
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import Stemmer
from whoosh.analysis import Analyzer, Filter, Token
from whoosh.lang import stopwords_for_language

from . import organisations

#: Language code → Snowball algorithm name (PyStemmer).
SNOWBALL = {"en": "english", "de": "german", "fr": "french", "it": "italian", "es": "spanish"}

#: A word: letters and digits; apostrophes split (``d'escalade`` → ``d``, ``escalade``).
WORD = re.compile(r"\w+", re.UNICODE)

#: Shortest word kept (single letters are elisions or list markers).
MIN_WORD = 2

#: Words that customers type around every question but that name no topic.
#: They are stop words for the search only (never for the site).
QUESTION_WORDS = {
    "en": {"how", "what", "when", "where", "why", "who", "which", "can", "could", "do", "does",
           "did", "my", "i", "me", "we", "our", "you", "your", "please", "get", "want", "need",
           "hi", "hello", "hey", "thanks", "thank", "thx", "pls", "plz", "guys", "ok"},
    "de": {"wie", "was", "wann", "wo", "warum", "wer", "welche", "welcher", "kann", "können",
           "ich", "mein", "meine", "wir", "unser", "bitte", "möchte",
           "hallo", "danke", "moin", "ne", "nen", "mal", "eigentlich"},
    "fr": {"comment", "quoi", "quand", "où", "pourquoi", "qui", "quel", "quelle", "quels",
           "quelles", "puis", "peut", "mon", "ma", "mes", "je", "nous", "notre", "vous", "votre",
           "les", "bonjour", "bonsoir", "salut", "merci", "svp", "stp"},
    "it": {"come", "cosa", "quando", "dove", "perché", "chi", "quale", "quali", "posso", "può",
           "mio", "mia", "miei", "io", "noi", "nostro", "voi", "vostro",
           "ciao", "salve", "buongiorno", "buonasera", "grazie", "gentilmente"},
    "es": {"cómo", "como", "qué", "que", "cuándo", "dónde", "por", "quién", "cuál", "cuáles",
           "puedo", "puede", "mi", "mis", "yo", "nosotros", "nuestro", "usted", "su",
           "hola", "gracias", "buenos", "buenas", "favor", "porfa"},
}
#: (Greetings and thanks are part of many messages and name no topic.)

#: Asking what something means names no topic either: the thing asked about does
#: ("p1 definition", "was bedeutet wartet auf Kunde", "que signifie en attente").
for _lang, _words in {
        "en": {"mean", "means", "meaning", "meant", "definition", "definitions", "define", "explain",
               "explained", "explanation"},
        "de": {"bedeutet", "bedeuten", "bedeutung", "heißt", "definition", "erklären", "erklärt",
               "erklärung"},
        "fr": {"signifie", "signifient", "signification", "veut", "dire", "définition", "expliquer",
               "explication"},
        "it": {"significa", "significano", "significato", "vuol", "dire", "definizione", "spiegare",
               "spiegazione"},
        "es": {"significa", "significan", "significado", "quiere", "decir", "definición", "explicar",
               "explicación"}}.items():
    QUESTION_WORDS[_lang] |= _words

#: English contractions ("isn't", "won't", "we'll") and the same typed without their
#: apostrophe ("dont", "isnt", "im"): a negation or a pronoun, no topic, like "not" and "i".
#: ("can't" and "cant" are read as "cannot", a word the articles use: :data:`SPELLINGS`.)
QUESTION_WORDS["en"] |= {
    "isn", "aren", "wasn", "weren", "hasn", "haven", "hadn", "doesn", "didn", "won", "wouldn",
    "shouldn", "couldn", "mustn", "ll", "ve", "re",
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt",
    "wont", "wouldnt", "shouldnt", "couldnt", "im", "ive", "youre", "thats", "whats", "theres"}

#: Spellings read as another before the text is cut into words.
SPELLINGS = {"en": [(re.compile(r"\bcan['’]?t\b"), "cannot")]}

#: Languages that elide a short word before a vowel with an apostrophe ("dell'app", "cos'è",
#: "l'ho", "qu'est-ce", "c'est"): the elided part is an article, a preposition, a pronoun or
#: "cosa"/"dove"/"come", never the topic; it is dropped (not "aujourd'hui").
ELIDED = re.compile(r"\b\w+['’](?=\w)(?!hui\b)")
ELIDING_LANGUAGES = {"fr", "it"}

#: Everyday words that say when or where something happened, or how it came out: customers
#: put them around any question ("since yesterday evening", "this week-end"), and the articles
#: use them in passing ("a critical case opened on Saturday evening", "your e-mail address").
#: They rank articles like any word, but they do not make a question one of the help
#: center's, nor an article its answer (:func:`is_circumstance`).
CIRCUMSTANCE_WORDS = {
    "en": {"today", "tonight", "tomorrow", "yesterday", "morning", "afternoon", "evening", "night",
           "weekend", "weekends", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
           "sunday", "week", "weeks", "month", "months", "year", "years", "holiday", "holidays",
           "vacation", "asap", "immediately", "address", "result", "results"},
    "de": {"heute", "morgen", "gestern", "früh", "vormittag", "nachmittag", "abend", "abends", "nacht",
           "nachts", "wochenende", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
           "samstag", "sonntag", "woche", "wochen", "monat", "monate", "monaten", "jahr", "jahre",
           "jahren", "urlaub", "ferien", "sofort", "jetzt", "adresse", "ergebnis", "ergebnisse"},
    "fr": {"aujourd", "hui", "demain", "hier", "matin", "soir", "soirée", "nuit", "week", "end",
           "weekend", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
           "semaine", "semaines", "mois", "an", "ans", "année", "années", "vacances", "congé", "congés",
           "immédiatement", "maintenant", "adresse", "résultat", "résultats"},
    "it": {"oggi", "domani", "ieri", "mattina", "mattino", "stamattina", "pomeriggio", "sera", "serata",
           "stasera", "notte", "stanotte", "weekend", "lunedì", "martedì", "mercoledì", "giovedì",
           "venerdì", "sabato", "domenica", "settimana", "settimane", "mese", "mesi", "anno", "anni",
           "ferie", "vacanza", "vacanze", "subito", "adesso", "indirizzo", "risultato", "risultati"},
    "es": {"hoy", "mañana", "ayer", "noche", "anoche", "finde", "lunes", "martes", "miércoles",
           "jueves", "viernes", "sábado", "domingo", "semana", "semanas", "mes", "meses", "año", "años",
           "vacaciones", "ahora", "ahorita", "inmediatamente", "resultado", "resultados"},
}


#: Other places and organisations (a bank, a pharmacy, the town hall, a train station) and
#: their papers: a question about their opening hours, numbers or delays is about them, not
#: about support, however many support words it shares ("bank opening hours saturday").
#: Each counts as a foreign word of full weight for the question's scope (:func:`is_elsewhere`).
ELSEWHERE_WORDS = {
    "en": {"bank", "banks", "pharmacy", "chemist", "supermarket", "shop", "restaurant", "hotel",
           "hospital", "doctor", "dentist", "school", "university", "embassy", "consulate", "council",
           "museum", "library", "gym", "airport", "airline", "station", "trains", "bus", "taxi",
           "police", "court", "landlord", "passport", "visa", "parcel", "courier"},
    "de": {"bank", "apotheke", "supermarkt", "restaurant", "hotel", "krankenhaus", "arzt",
           "zahnarzt", "schule", "universität", "botschaft", "konsulat", "rathaus", "bürgeramt",
           "museum", "bibliothek", "fitnessstudio", "flughafen", "bahnhof", "zug", "bahn", "bus", "taxi",
           "polizei", "gericht", "finanzamt", "reisepass", "personalausweis", "führerschein"},
    "fr": {"banque", "pharmacie", "supermarché", "magasin", "boutique", "restaurant", "hôtel",
           "hôpital", "médecin", "dentiste", "école", "université", "ambassade", "consulat", "mairie",
           "préfecture", "musée", "bibliothèque", "piscine", "aéroport", "gare", "bus", "taxi",
           "police", "tribunal", "impôts", "passeport", "visa", "colis"},
    "it": {"banca", "farmacia", "supermercato", "negozio", "ristorante", "albergo", "hotel", "ospedale",
           "medico", "dentista", "scuola", "università", "ambasciata", "consolato", "municipio",
           "museo", "biblioteca", "palestra", "aeroporto", "stazione", "treno", "treni", "autobus", "taxi",
           "polizia", "questura", "tribunale", "passaporto", "patente", "pacco", "corriere", "postale"},
    "es": {"banco", "farmacia", "supermercado", "tienda", "restaurante", "hotel", "hospital", "médico",
           "dentista", "colegio", "escuela", "universidad", "embajada", "consulado", "ayuntamiento",
           "museo", "biblioteca", "gimnasio", "aeropuerto", "estación", "tren", "autobús", "taxi",
           "policía", "juzgado", "hacienda", "pasaporte", "paquete"},
}
# Trades and services of private life (a locksmith, a garage, a landlord, the tax office).
for _lang, _words in {
    "en": {"locksmith", "plumber", "electrician", "mechanic", "garage", "tenant", "landlady", "taxes", "flight",
           "flights"},
    "de": {"schlüsseldienst", "klempner", "elektriker", "werkstatt", "autowerkstatt", "vermieter", "vermieterin",
           "mieter", "steuererklärung", "steuern", "flug", "arztpraxis", "handwerker"},
    "fr": {"serrurier", "plombier", "électricien", "garagiste", "mécanicien", "bailleur", "locataire", "loyer",
           "médecin", "avion"},
    "it": {"fabbro", "idraulico", "elettricista", "meccanico", "carrozzeria", "inquilino", "affitto", "redditi",
           "volo", "voli"},
    "es": {"cerrajero", "fontanero", "electricista", "mecánico", "taller", "casero", "inquilino", "alquiler",
           "vuelo", "vuelos", "ambulatorio"},
}.items():
    ELSEWHERE_WORDS[_lang] |= _words
#: Other vendors' products and services: a question about them is not one for this help
#: center (Excel and PowerPoint stay the vendor's export formats, see PRODUCT_WORDS).
OTHER_VENDORS = {"iphone", "ipad", "macbook", "android", "outlook", "gmail", "hotmail", "facebook", "instagram",
                 "whatsapp", "tiktok", "netflix", "amazon", "ebay", "paypal", "spotify", "playstation", "xbox",
                 "vlookup", "sverweis", "recherchev", "buscarv", "cerca.vert",
                 # platforms and other vendors' software (a question about them names our product, if ours)
                 "windows", "microsoft", "ios", "macos", "google", "chrome", "firefox", "safari", "sap",
                 "salesforce", "slack", "skype", "linkedin", "youtube", "icloud", "onedrive", "dropbox"}
for _lang in ELSEWHERE_WORDS:
    ELSEWHERE_WORDS[_lang] |= OTHER_VENDORS | ({"word"} if _lang != "en" else set())  # Microsoft Word
    # Other organisations' names: telecoms, banks, public agencies, apps (.organisations).
    ELSEWHERE_WORDS[_lang] |= organisations.ALL | organisations.BY_LANGUAGE.get(_lang, frozenset())

#: Classes of private life that share support words ("deadline", "opening hours", "urgent",
#: "application") in every language: insurers and bank accounts, the tax return, doctors and
#: vets, applying for a job with the vendor.
for _lang, _words in {
    "en": {"insurance", "insurer", "tax", "clinic", "vet", "hiring", "vacancy", "vacancies"},
    "de": {"versicherung", "krankenkasse", "girokonto", "steuer", "tierarzt", "stellenangebote",
           "stellenangebot", "bewerbung"},
    "fr": {"assurance", "assureur", "mutuelle", "bancaire", "impôt", "vétérinaire", "clinique", "emploi",
           "candidature", "recrutement"},
    "it": {"assicurazione", "bancario", "bancaria", "tasse", "730", "veterinario", "clinica", "candidatura",
           "assunzioni"},
    "es": {"aseguradora", "bancaria", "bancario", "renta", "veterinario", "clínica", "salud", "empleo",
           "vacante", "vacantes", "candidatura"},
}.items():
    ELSEWHERE_WORDS[_lang] |= _words

#: Words naming the vendor's support itself: a question that names another place or product
#: but also these ("is help with Microsoft Office included in support?") is ours after all.
SUPPORT_WORDS = {
    "en": {"support", "hotline", "helpdesk"},
    "de": {"support", "hotline", "helpdesk"},
    "fr": {"support", "hotline", "helpdesk"},
    "it": {"supporto", "support", "hotline", "helpdesk"},
    "es": {"soporte", "support", "hotline", "helpdesk"},
}

#: How customers name the vendor's products (``mkdocs.yml``: ``extra.products``) and the
#: files they export: which product a question is about, not which support topic. They
#: speak the help center's language, but an article is not the answer for naming them
#: (:func:`is_product`): "an idea for the mobile app" asks for the feature-request article.
PRODUCT_WORDS = {
    "en": {"lumera", "dashboard", "dashboards", "hub", "console", "mobile", "app", "apps", "excel", "pdf",
           "powerpoint"},
}
PRODUCT_WORDS.update({
    "de": PRODUCT_WORDS["en"] | {"handy", "konsole"},
    "fr": PRODUCT_WORDS["en"] | {"appli", "application"},
    "it": PRODUCT_WORDS["en"] | {"applicazione", "cellulare"},
    "es": PRODUCT_WORDS["en"] | {"móvil", "aplicación", "celular", "consola"},
})

#: The files the products export: another vendor's program too ("Excel: how to freeze a row").
EXPORT_FORMATS = {"excel", "pdf", "powerpoint"}

#: Stop words of Whoosh's lists that name a support topic: searched after all.
TOPIC_WORDS = {
    "en": {"down"},  # "the portal is down"
    "es": {"estado", "estados"},  # "estado del caso" (also a form of "estar")
}


def fold(text: str) -> str:
    """Return ``text`` lower-cased without accents (``ß`` → ``ss``).

    >>> fold("Gravità Sévérité Größe")
    'gravita severite grosse'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=None)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(SNOWBALL.get(lang, "english"))


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """Return the stop words of ``lang``, as written and folded."""
    words = set(stopwords_for_language(lang)) if lang in SNOWBALL else set()
    words |= QUESTION_WORDS.get(lang, set())
    words = (words | {fold(word) for word in words}) - TOPIC_WORDS.get(lang, set())
    return frozenset(words)


@lru_cache(maxsize=50_000)
def forms(word: str, lang: str) -> frozenset[str]:
    """Return the indexed forms of one lower-cased word (see the module docstring)."""
    stemmer = _stemmer(lang)
    stem = stemmer.stemWord(word)
    return frozenset({stem, fold(stem), stemmer.stemWord(fold(word))})


#: A word's weight in a question falls from 1 (Zipf frequency ≤ 4: "escalation", "Fernwartung")
#: to :data:`MIN_INFORMATIVENESS` (Zipf ≥ 6: "new", "hace", "plus") in everyday language.
RARE_ZIPF, COMMON_ZIPF = 4.0, 6.0
MIN_INFORMATIVENESS = 0.25


@lru_cache(maxsize=None)
def _everyday_frequencies(lang: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict  # the ~30,000 commonest words of each language

    return get_frequency_dict(lang, wordlist="small") if lang in SNOWBALL else {}


def zipf(word: str, lang: str) -> float:
    """Return how common a lower-cased word is in everyday ``lang`` (Zipf scale; 0 if not among the commonest).

    >>> zipf("the", "en") > 7 > zipf("escalation", "en")
    True
    """
    frequency = _everyday_frequencies(lang).get(word)
    return math.log10(frequency) + 9 if frequency else 0.0


def informativeness(word: str, lang: str) -> float:
    """Return how much a question word says about its topic: less the commoner it is in everyday language.

    >>> informativeness("escalation", "en"), informativeness("new", "en")
    (1.0, 0.25)
    """
    share = (COMMON_ZIPF - zipf(word, lang)) / (COMMON_ZIPF - RARE_ZIPF)
    return max(MIN_INFORMATIVENESS, min(1.0, share))


@lru_cache(maxsize=None)
def _word_classes(lang: str) -> dict[str, frozenset[str]]:
    """Return each class of words (:data:`CIRCUMSTANCE_WORDS` …) of ``lang``, folded as questions are."""
    products = PRODUCT_WORDS.get(lang, set())
    return {name: frozenset(fold(word) for word in listed) for name, listed in {
        "circumstance": CIRCUMSTANCE_WORDS.get(lang, set()),
        "elsewhere": ELSEWHERE_WORDS.get(lang, set()),
        "organisation": organisations.ALL | organisations.BY_LANGUAGE.get(lang, frozenset()),
        "product": products,
        "ours": (products - EXPORT_FORMATS) | SUPPORT_WORDS.get(lang, set()),
    }.items()}


def is_circumstance(word: str, lang: str) -> bool:
    """Tell whether a lower-cased word says when or where, not what (:data:`CIRCUMSTANCE_WORDS`).

    >>> is_circumstance("yesterday", "en"), is_circumstance("Sabato", "it"), is_circumstance("escalation", "en")
    (True, True, False)
    """
    return fold(word) in _word_classes(lang)["circumstance"]


def is_organisation(word: str, lang: str) -> bool:
    """Tell whether a lower-cased word names another organisation (:mod:`.organisations`).

    >>> is_organisation("Movistar", "es"), is_organisation("zoom", "de"), is_organisation("soporte", "es")
    (True, True, False)
    """
    return fold(word) in _word_classes(lang)["organisation"]


def is_elsewhere(word: str, lang: str) -> bool:
    """Tell whether a lower-cased word names another place or organisation (:data:`ELSEWHERE_WORDS`).

    >>> is_elsewhere("pharmacy", "en"), is_elsewhere("Mairie", "fr"), is_elsewhere("hotline", "en")
    (True, True, False)
    >>> is_elsewhere("iPhone", "es"), is_elsewhere("Word", "it"), is_elsewhere("word", "en"), is_elsewhere("excel", "de")
    (True, True, False, False)
    """
    return fold(word) in _word_classes(lang)["elsewhere"]


def is_ours(word: str, lang: str) -> bool:
    """Tell whether a lower-cased word names the vendor's products or its support (an anchor of its questions).

    >>> is_ours("dashboards", "en"), is_ours("Soporte", "es"), is_ours("bank", "en")
    (True, True, False)
    """
    return fold(word) in _word_classes(lang)["ours"]


def is_product(word: str, lang: str) -> bool:
    """Tell whether a lower-cased word names one of the vendor's products (:data:`PRODUCT_WORDS`).

    >>> is_product("app", "de"), is_product("móvil", "es"), is_product("escalation", "en")
    (True, True, False)
    """
    return fold(word) in _word_classes(lang)["product"]


def is_content_word(word: str, stops: frozenset[str] | set[str]) -> bool:
    """Tell whether a lower-cased word carries meaning: long enough, no stop word, no number.

    The index and the question must agree on this, so both call it.
    """
    return len(word) >= MIN_WORD and word not in stops and not word.isdigit()


def normalise(text: str, lang: str) -> str:
    """Return ``text`` lower-cased, its elisions dropped and its contractions spelt out (:data:`SPELLINGS`).

    >>> normalise("Cos'è l'escalation?", "it"), normalise("Qu'est-ce qu'une escalade ?", "fr")
    ('è escalation?', 'est-ce une escalade ?')
    >>> normalise("I can't log in", "en")
    'i cannot log in'
    """
    text = text.lower()
    if lang in ELIDING_LANGUAGES:
        text = ELIDED.sub("", text)
    for pattern, spelling in SPELLINGS.get(lang, ()):
        text = pattern.sub(spelling, text)
    return text


def words(text: str, lang: str) -> list[str]:
    """Return the content words of ``text``: lower-cased, no stop words, no elisions, in order.

    >>> words("How do I reset the office coffee machine?", "en")
    ['reset', 'office', 'coffee', 'machine']
    >>> words("cos'è un indirizzo IP", "it"), words("it doesnt load, I can't log in", "en")
    (['indirizzo', 'ip'], ['load', 'cannot', 'log'])
    """
    stops = stop_words(lang)
    return [match.group() for match in WORD.finditer(normalise(text, lang))
            if is_content_word(match.group(), stops)]


def distinct_words(text: str, lang: str) -> list[str]:
    """Return :func:`words` without repeats, in the order of their first use (what a lexicon counts).

    >>> distinct_words("Escalate the case, then escalate the severity", "en")
    ['escalate', 'case', 'severity']
    """
    stops = stop_words(lang)
    return [word for word in dict.fromkeys(WORD.findall(normalise(text, lang))) if is_content_word(word, stops)]


class ContentWordFilter(Filter):
    """Base of the per-language filters: keep only content words (:func:`is_content_word`)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.stops = stop_words(lang)

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def content_tokens(self, tokens):
        """Yield the tokens that are content words of this language."""
        return (token for token in tokens if is_content_word(token.text, self.stops))


class FormsFilter(ContentWordFilter):
    """Drop stop words and emit each remaining word's :func:`forms` at its position.

    Generations built before :class:`FormsAnalyzer` name it in their schema: it stays for them.

    >>> analyzer = analyzer_for("fr")
    >>> sorted(t.text for t in analyzer("la sévérité"))
    ['sever', 'severit', 'séver']
    """

    def __call__(self, tokens):
        for token in self.content_tokens(tokens):
            for form in sorted(forms(token.text, self.lang)):
                token.text = form
                yield token


class FormsAnalyzer(Analyzer):
    """``RegexTokenizer(WORD) | LowercaseFilter() | FormsFilter(lang)`` in one generator: the same tokens.

    Whoosh chains a tokenizer and filters as generators, one layer per step
    for every word of every section: fused, an index build analyses its
    text in about half the time.

    >>> sorted(t.text for t in FormsAnalyzer("fr")("la sévérité"))
    ['sever', 'severit', 'séver']
    """

    def __init__(self, lang: str):
        self.lang = lang
        self.stops = stop_words(lang)

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops, lang = self.stops, self.lang
        if not tokenize:
            found = [(start_pos, value, start_char, start_char + len(value))]
        else:
            found = ((start_pos + pos, match.group(0), start_char + match.start(), start_char + match.end())
                     for pos, match in enumerate(WORD.finditer(value)))
        for pos, text, start, end in found:
            word = text.lower()
            if not is_content_word(word, stops):
                continue
            token.boost, token.stopped = 1.0, False
            if keeporiginal or not tokenize:
                token.original = text
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start, end
            for form in sorted_forms(word, lang):
                token.text = form
                yield token

    def frequencies(self, value: str) -> dict[str, int]:
        """Return each indexed form of ``value`` with the number of its tokens (what Whoosh's index counts).

        For the index writer (:class:`deflect.search.index.FastSegmentWriter`):
        Whoosh makes a token per form and counts them one at a time; a
        section repeats its words, so counting the words first (in C) and
        each distinct word's forms once gives the same numbers in a third of
        the time.

        >>> FormsAnalyzer("fr").frequencies("Sévérité : la sévérité, 2 fois")
        {'sever': 2, 'severit': 2, 'séver': 2, 'fois': 1}
        """
        counts: dict[str, int] = {}
        known = _INDEXED_FORMS.setdefault(self.lang, {})  # not on the analyzer: Whoosh pickles it in the index
        for text, number in Counter(WORD.findall(value)).items():
            found = known.get(text)
            if found is None:
                word = text.lower()
                found = sorted_forms(word, self.lang) if is_content_word(word, self.stops) else ()
                if len(known) >= MAX_INDEXED_FORMS:
                    known.clear()
                known[text] = found
            for form in found:
                counts[form] = counts.get(form, 0) + number
        return counts


#: Per language, a word as written in an article → its forms in the index (none for a stop word):
#: the words of a help center, looked up once per build process rather than once per section.
_INDEXED_FORMS: dict[str, dict[str, tuple[str, ...]]] = {}
MAX_INDEXED_FORMS = 200_000


@lru_cache(maxsize=50_000)
def sorted_forms(word: str, lang: str) -> tuple[str, ...]:
    """Return :func:`forms` in the order the index receives them."""
    return tuple(sorted(forms(word, lang)))


def analyzer_for(lang: str):
    """Return the stemming analyzer of ``lang``'s text fields."""
    return FormsAnalyzer(lang)
