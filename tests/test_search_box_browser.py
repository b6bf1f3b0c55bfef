"""The site's search box in a real Chromium: Material's box and keyboard, answered in the page's
language, by the service's /api/suggest when it answers, else by the language's static index."""
from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest

from tests.test_helpcenter import HELP_CENTER

pytestmark = pytest.mark.browser

#: Five questions per page language, with the article that must come first.
QUESTIONS = {
    "fr": [
        ("procédure d'escalade", "support/escalation"),
        ("numéro de la hotline", "support/contact"),
        ("niveaux de gravité", "support/severity"),
        ("enquête de satisfaction", "support/satisfaction"),
        ("partage d'écran avec un analyste", "support/remote-assistance"),
    ],
    "en": [
        ("how do I escalate a case", "support/escalation"),
        ("hotline phone number", "support/contact"),
        ("severity levels", "support/severity"),
        ("satisfaction survey", "support/satisfaction"),
        ("screen sharing session", "support/remote-assistance"),
    ],
}
#: Customers' words that only the service's ranking knows (synonyms, inflections).
SERVICE_QUESTIONS = {
    "fr": ("je veux parler à un responsable, mon dossier n'avance pas", "support/escalation"),
    "en": ("my ticket is stuck and I want a manager to look at it", "support/escalation"),
}


def open_search(page, url: str) -> None:
    """Open a page and Material's search box, and wait until its worker is ready."""
    page.goto(url)
    page.click("input.md-search__input")
    page.wait_for_function(
        """() => {
            const ready = JSON.parse(document.getElementById("__config").textContent)
                .translations["search.result.placeholder"];
            return document.querySelector(".md-search-result__meta").textContent.trim() === ready;
        }""",
        timeout=15000,
    )


def first_result_for(page, question: str, expected_path: str) -> str:
    """Type ``question`` into the box and return the first result's path once it is ``expected_path``.

    Returns whatever came first after a timeout, so that the assertion shows it.
    """
    box = page.locator("input.md-search__input")
    box.fill("")
    box.press_sequentially(question, delay=5)
    try:
        page.wait_for_function(
            """(path) => {
                const link = document.querySelector(".md-search-result__item a.md-search-result__link");
                return link && new URL(link.href).pathname === path;
            }""", arg=expected_path, timeout=8000)
    except Exception:  # the assertion below shows what came instead
        pass
    paths = result_paths(page)
    return paths[0] if paths else ""


def result_paths(page) -> list[str]:
    return page.eval_on_selector_all(
        ".md-search-result__item > a.md-search-result__link", "els => els.map(e => new URL(e.href).pathname)")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_service_answers_the_search_box_in_the_page_language(live_server, page, lang):
    calls = []
    page.on("request", lambda request: calls.append(request.url) if "/api/suggest" in request.url else None)
    open_search(page, live_server.url + HELP_CENTER.page_url("index", lang))
    prefix = HELP_CENTER.page_path("index", lang)
    for question, article in [*QUESTIONS[lang], SERVICE_QUESTIONS[lang]]:
        expected = HELP_CENTER.page_path(article, lang)
        first = first_result_for(page, question, expected)
        assert first == expected, (question, first)
        paths = result_paths(page)
        assert paths and all(path.startswith(prefix) for path in paths), paths
        if lang != HELP_CENTER.default_language:
            assert all(path.startswith(f"/{lang}/") for path in paths), paths
    assert calls and all(f"lang={lang}" in url for url in calls)


@pytest.fixture
def static_host(built_site):
    """The built site alone on a static file server: no /healthz, no /api/suggest."""
    handler = functools.partial(QuietStaticHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietStaticHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_static_host_searches_the_language_static_index(static_host, page, lang):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    open_search(page, static_host + HELP_CENTER.page_path("index", lang))
    for question, article in QUESTIONS[lang]:
        expected = HELP_CENTER.page_path(article, lang)
        first = first_result_for(page, question, expected)
        assert first == expected, (question, first)
        paths = result_paths(page)
        if lang != HELP_CENTER.default_language:
            assert all(path.startswith(f"/{lang}/") for path in paths), paths
        else:
            assert not any(path.split("/")[1] in HELP_CENTER.languages for path in paths), paths
    assert any(url.endswith(f"/search/deflect-{lang}.json") for url in requested)


def test_enter_opens_the_first_result_as_in_material(live_server, page):
    open_search(page, live_server.url + HELP_CENTER.page_url("index", "fr"))
    assert first_result_for(page, "procédure d'escalade", "/fr/support/escalation/") == "/fr/support/escalation/"
    page.keyboard.press("Enter")
    page.wait_for_url("**/fr/support/escalation/**", timeout=10000)


def test_each_language_has_its_static_index(built_site):
    for lang in HELP_CENTER.languages:
        index = json.loads((built_site / "search" / f"deflect-{lang}.json").read_text(encoding="utf-8"))
        prefix = "" if lang == HELP_CENTER.default_language else f"{lang}/"
        assert index["lang"] == lang and len(index["docs"]) > 13
        assert all(doc["location"].startswith(prefix) for doc in index["docs"])
        assert {doc["article"] for doc in index["docs"]} >= {"index", "support/escalation"}
