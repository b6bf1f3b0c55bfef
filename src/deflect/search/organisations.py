"""Other organisations' names, per language: a question about one of them is not this help center's.

Customers ask a support search about everyone's support: "Movistar atención al
cliente", "HMRC helpline waiting time", "Zoom logs me out every few minutes".
Those questions share support's words (hotline, waiting time, logs me out), so
the words alone answer them. A name in these lists marks the question as about
someone else (:data:`deflect.search.analysis.ELSEWHERE_WORDS`, whose rule also
keeps a question that names the vendor's product or support as ours: "the
dashboards are slow since we moved to Vodafone fibre").

Written from general knowledge, not from any question set: global consumer
brands, apps and other vendors' software (``ALL``), then each language's
countries' telecoms, energy, banks, insurers, retailers, couriers, transport
and public agencies. One lower-case word per name, its distinctive one
(``telekom``); names that are also ordinary words ("orange", "free", "sky",
"telefónica") are left out, and so are the file formats and data software a
reporting product works with (Excel, PDF, SQL, SAP, Salesforce: see
``PRODUCT_WORDS`` and ``OTHER_VENDORS`` in :mod:`.analysis`).
"""
from __future__ import annotations


#: Global consumer brands, apps and platforms, other vendors' office and meeting software.
ALL = frozenset({
    "zoom", "webex", "skype", "gotomeeting", "whatsapp", "instagram", "facebook", "tiktok", "snapchat",
    "linkedin", "pinterest", "reddit", "tumblr", "youtube", "vimeo", "wechat", "viber", "netflix",
    "spotify", "deezer", "hbo", "dazn", "disney", "crunchyroll", "amazon", "ebay", "aliexpress", "temu",
    "shein", "zalando", "etsy", "vinted", "ikea", "lidl", "aldi", "paypal", "klarna", "revolut", "venmo",
    "binance", "coinbase", "icloud", "itunes", "iphone", "ipad", "macbook", "samsung", "huawei", "xiaomi",
    "lenovo", "motorola", "nokia", "oneplus", "playstation", "xbox", "nintendo", "fortnite", "minecraft",
    "roblox", "airbnb", "expedia", "tripadvisor", "trivago", "skyscanner", "ryanair", "easyjet", "flixbus",
    "ticketmaster", "deliveroo", "glovo", "waze", "duolingo", "canva", "trello", "kaspersky", "mcafee",
    "vodafone", "lycamobile", "dhl", "axa", "allianz",
})

#: Each language's countries' organisations whose customer service people ask about.
BY_LANGUAGE: dict[str, frozenset[str]] = {
    "en": frozenset({
        "hmrc", "dvla", "dvsa", "dwp", "nhs", "ukvi", "ucas", "jobcentre", "ofgem", "ofcom", "ofwat",
        "hse", "intreo", "nct", "esb", "irs", "ssa", "dmv", "uscis", "medicaid", "usps", "fedex", "dpd",
        "evri", "parcelforce", "bt", "o2", "talktalk", "plusnet", "giffgaff", "eir", "verizon",
        "comcast", "xfinity", "edf", "ovo", "npower", "sse", "tesco", "sainsburys", "asda", "morrisons",
        "waitrose", "ocado", "argos", "currys", "primark", "debenhams", "asos", "walmart", "costco",
        "kroger", "walgreens", "cvs", "macys", "nordstrom", "wayfair", "barclays", "hsbc", "natwest",
        "lloyds", "monzo", "aib", "ptsb", "citibank", "amex", "aviva", "esure", "bupa", "geico",
        "allstate", "aetna", "cigna", "rac", "comparethemarket", "gocompare", "moneysupermarket",
        "jetblue", "amtrak", "trainline", "lner", "tfl", "luas", "doordash", "instacart", "grubhub",
        "lyft",
    }),
    "de": frozenset({
        "telekom", "congstar", "freenet", "mobilcom", "netcologne", "klarmobil", "fonic", "simyo",
        "drillisch", "swisscom", "upc", "yallo", "wingo", "rwe", "enbw", "vattenfall", "yello",
        "eprimo", "ewe", "ewz", "axpo", "bkw", "commerzbank", "postbank", "dkb", "comdirect", "n26",
        "consorsbank", "hypovereinsbank", "raiffeisen", "ubs", "postfinance", "bawag", "twint", "huk",
        "debeka", "uniqa", "aok", "barmer", "dak", "ikk", "kkh", "hkk", "helsana", "swica", "visana",
        "ögk", "rewe", "edeka", "kaufland", "rossmann", "migros", "denner", "billa", "mediamarkt",
        "galeria", "karstadt", "tchibo", "hornbach", "gls", "lufthansa", "eurowings", "sbb", "öbb",
        "bvg", "mvg", "hvv", "arbeitsagentur", "bundesagentur", "jobcenter", "drv", "ams", "svs", "tüv",
        "dekra", "gez", "bamf", "adac", "schufa", "bafög", "ahv", "suva", "check24", "verivox",
        "lieferando",
    }),
    "fr": frozenset({
        "bouygues", "sfr", "iliad", "sosh", "proximus", "telenet", "voo", "videotron", "telus", "edf",
        "engie", "totalenergies", "enedis", "grdf", "veolia", "saur", "ekwateur", "sibelga", "bnp",
        "lcl", "cic", "boursorama", "fortuneo", "natixis", "desjardins", "belfius", "kbc", "maif",
        "macif", "matmut", "maaf", "groupama", "mma", "gmf", "mgen", "ameli", "cpam", "sécu", "urssaf",
        "caf", "msa", "dgfip", "cnav", "carsat", "cnam", "onem", "inami", "forem", "actiris", "vdab",
        "ramq", "saaq", "cnesst", "autosur", "securitest", "leclerc", "auchan", "intermarché",
        "monoprix", "franprix", "delhaize", "colruyt", "fnac", "darty", "cdiscount", "conforama",
        "castorama", "sephora", "leboncoin", "provigo", "chronopost", "colissimo", "bpost", "purolator",
        "sncf", "ouigo", "tgv", "thalys", "eurostar", "ratp", "sncb", "stib", "transavia", "navigo",
        "blablacar", "doctolib",
    }),
    "it": frozenset({
        "windtre", "fastweb", "tiscali", "kena", "coopvoce", "iliad", "agcom", "enel", "eni", "a2a",
        "iren", "acea", "sorgenia", "illumia", "italgas", "arera", "sanpaolo", "unicredit", "bper",
        "mps", "fineco", "mediolanum", "bnl", "bancoposta", "postepay", "satispay", "widiba", "credem",
        "carige", "nexi", "agos", "findomestic", "unipol", "unipolsai", "genertel", "verti", "ivass",
        "consob", "asl", "inps", "inail", "spid", "aci", "pra", "naspi", "isee", "imu", "equitalia",
        "istat", "ssn", "caf", "esselunga", "conad", "eurospin", "despar", "bennet", "famila",
        "unieuro", "mediaworld", "euronics", "trony", "ovs", "brt", "bartolini", "sda", "nexive", "tnt",
        "alitalia", "trenitalia", "frecciarossa", "trenord", "atac", "telepass", "mediaset", "rai",
        "lottomatica", "ffs",
    }),
    "es": frozenset({
        "movistar", "yoigo", "másmóvil", "jazztel", "pepephone", "lowi", "digi", "telmex", "telcel",
        "izzi", "totalplay", "megacable", "fibertel", "telecentro", "iberdrola", "endesa", "naturgy",
        "repsol", "holaluz", "cepsa", "cfe", "edenor", "edesur", "metrogas", "aysa", "bbva",
        "caixabank", "bankinter", "unicaja", "abanca", "kutxabank", "ibercaja", "openbank",
        "imaginbank", "bizum", "banorte", "banamex", "bancomer", "mercadopago", "mapfre", "adeslas",
        "asisa", "dkv", "osde", "gnp", "muface", "aeat", "sepe", "dgt", "itv", "imss", "issste",
        "infonavit", "afip", "anses", "pami", "renaper", "profeco", "condusef", "inss", "osakidetza",
        "sergas", "mercadona", "alcampo", "eroski", "consum", "hipercor", "soriana", "chedraui", "oxxo",
        "coppel", "mercadolibre", "fravega", "wallapop", "seur", "mrw", "nacex", "andreani", "vueling",
        "volotea", "aeroméxico", "renfe", "iryo", "avlo", "emt", "tmb", "adif", "aena", "flybondi",
        "volaris", "cabify", "rappi",
    }),
}
