"""The help center in a real Chromium: every language renders, the language
switcher keeps the article, the contact button carries the language, the
article feedback is recorded, and Material's own search box answers."""
from __future__ import annotations

import re

import pytest

from deflect.site import load_help_center
from tests.test_helpcenter import HELP_CENTER, LABELS, LANGUAGES

pytestmark = pytest.mark.browser

#: A word each language's escalation article uses, typed into Material's search box.
SEARCH_WORD = {"en": "escalate", "de": "Eskalation", "fr": "escalader", "it": "escalation", "es": "escalado"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_and_article_render_in_each_language(live_server, page, lang):
    page.goto(live_server.url + HELP_CENTER.page_url("index", lang))
    assert page.locator("html").get_attribute("lang") == lang
    assert HELP_CENTER.site_name[lang] in page.title()

    page.goto(live_server.url + HELP_CENTER.page_url("support/escalation", lang))
    assert page.locator("article h1").first.is_visible()
    button = page.locator("a.deflect-contact__button")
    assert button.inner_text().strip() == LABELS.get("action", "contact_support", lang)
    assert f"lang={lang}" in button.get_attribute("href")
    assert "from=support/escalation" in button.get_attribute("href")


@pytest.mark.parametrize("source, target", [("en", "fr"), ("fr", "de"), ("de", "es"), ("es", "it"), ("it", "en")])
def test_language_switcher_keeps_the_same_article(live_server, page, source, target):
    page.goto(live_server.url + HELP_CENTER.page_url("support/severity", source))
    page.hover(".md-header__option .md-select")
    page.click(f".md-select__list a[hreflang='{target}']")
    page.wait_for_url(re.compile(re.escape(HELP_CENTER.page_url("support/severity", target)) + "$"))
    assert page.locator("html").get_attribute("lang") == target


def test_contact_button_opens_the_form_in_the_page_language(live_server, page):
    page.goto(live_server.url + HELP_CENTER.page_url("support/sla", "it"))
    page.click("a.deflect-contact__button")
    page.wait_for_url(re.compile(r"/support/new\?lang=it&from=support/sla$"))
    assert page.locator("html").get_attribute("lang") == "it"


def test_article_feedback_is_shown_and_sent_when_the_service_answers(live_server, page):
    page.goto(live_server.url + HELP_CENTER.page_url("support/tracking", "de"))
    box = page.locator(".deflect-feedback")
    box.wait_for(state="visible")
    assert HELP_CENTER.ui["de"]["helpful_question"] in box.inner_text()
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as response:
        box.locator("button[data-helpful='true']").click()
    assert response.value.status == 201
    page.locator(".deflect-feedback__thanks").wait_for(state="visible")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_material_search_box_finds_articles(live_server, page, lang):
    page.goto(live_server.url + HELP_CENTER.page_url("index", lang))
    page.click("input.md-search__input")
    # Material's worker loads the index after the page; typing before it is
    # ready finds nothing. It shows its placeholder text once it is ready.
    page.wait_for_function(
        """() => {
            const ready = JSON.parse(document.getElementById("__config").textContent)
                .translations["search.result.placeholder"];
            return document.querySelector(".md-search-result__meta").textContent.trim() === ready;
        }""",
        timeout=15000,
    )
    page.locator("input.md-search__input").press_sequentially(SEARCH_WORD[lang], delay=20)
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15000)
    assert page.locator(".md-search-result__item").count() > 0


def not_found_page(lang: str) -> str:
    return "/404.html" if lang == HELP_CENTER.default_language else f"/{lang}/404.html"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_missing_page_under_each_language_prefix(live_server, page, lang):
    """The service answers 404 with the static site's 404 page of that prefix, in its language."""
    prefix = "" if lang == HELP_CENTER.default_language else f"/{lang}"
    missing = page.goto(f"{live_server.url}{prefix}/support/no-such-article/")
    assert missing.status == 404
    assert page.locator("html").get_attribute("lang") == lang  # the service answers with that 404 page
    assert page.locator("article h1").inner_text().strip() == HELP_CENTER.ui[lang]["not_found_title"]
    static = page.goto(live_server.url + not_found_page(lang))
    assert static.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("article h1").inner_text().strip() == HELP_CENTER.ui[lang]["not_found_title"]
    home = page.locator("article a.md-button").first
    assert home.inner_text().strip() == HELP_CENTER.ui[lang]["not_found_home"]
    home.click()
    page.wait_for_url(re.compile(re.escape(HELP_CENTER.page_url("index", lang)) + "$"))


#: The pages axe-core checks in each language: the home page and two articles.
AXE_PAGES = ("index", "support/escalation", "support/tracking")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_violation_on_the_home_page_and_two_articles(live_server, page, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for article in AXE_PAGES:
        page.goto(live_server.url + HELP_CENTER.page_url(article, lang))
        page.locator(".deflect-feedback").wait_for(state="visible")  # the service answered: the full page
        results = axe.run(page)
        assert results.violations_count == 0, f"{lang}/{article}:\n{results.generate_report()}"
