"""The form's pages on a phone (390 px) and a desktop (1280 px), with and without JavaScript."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request):
    return request.param


def context(browser, viewport, javascript):
    return browser.new_context(viewport=viewport, java_script_enabled=javascript)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
@pytest.mark.parametrize("path", ["/support/new?lang=fr", "/support/new/case?lang=de", "/cases/lost?lang=it"])
def test_no_page_is_wider_than_the_screen(live_server, browser, viewport, path, javascript):
    ctx = context(browser, viewport, javascript)
    page = ctx.new_page()
    page.goto(live_server.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    ctx.close()


def test_on_a_phone_the_suggestions_appear_where_the_customer_types(live_server, browser):
    ctx = context(browser, PHONE, True)
    page = ctx.new_page()
    page.goto(live_server.url + "/support/new?lang=en")
    page.fill("#subject", "escalate")
    page.fill("#description", "How do I escalate a case that is not moving?")
    page.locator(".deflect-live-link").first.wait_for()
    live_top = page.locator("#live-suggestions").bounding_box()["y"]
    assert live_top < page.locator("#continue").bounding_box()["y"]  # above the button, not below it
    ctx.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_switching_language_keeps_what_was_typed_and_the_file(live_server, browser, viewport, javascript, tmp_path):
    trace = tmp_path / "trace.log"
    trace.write_bytes(b"ERROR 500\n")
    ctx = context(browser, viewport, javascript)
    page = ctx.new_page()
    page.goto(live_server.url + "/support/new/case?lang=fr")
    page.fill("#contact_name", "Camille Martin")
    page.fill("#description", "Le rapport ne se publie plus depuis hier.")
    page.set_input_files("#attachments", str(trace))
    page.locator("button.md-header__button[aria-label]").first.hover()
    page.locator("button[name=switch_lang][value=de]").click(force=True)
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.input_value("#contact_name") == "Camille Martin"
    assert page.input_value("#description") == "Le rapport ne se publie plus depuis hier."
    assert "trace.log" in page.inner_text("#kept-files")
    ctx.close()


def test_without_javascript_the_technical_details_are_shown_before_they_are_sent(live_server, browser):
    ctx = context(browser, DESKTOP, False)
    page = ctx.new_page()
    page.goto(live_server.url + "/support/new/case?lang=en")
    assert page.locator("#technical-preview").is_hidden()
    page.check("#include_technical")
    assert page.locator("#technical-preview").is_visible() and "Mozilla" in page.inner_text("#technical-preview")
    ctx.close()


def test_a_text_longer_than_its_field_is_said_while_typing_and_kept(live_server, browser):
    ctx = context(browser, PHONE, True)
    page = ctx.new_page()
    page.goto(live_server.url + "/support/new/case?lang=en")
    page.fill("#subject", "x" * 205)
    assert page.input_value("#subject") == "x" * 205  # nothing cut
    assert "5 characters too many" in page.inner_text("#subject-length")
    ctx.close()
