"""A live server for the app under test, and Debian's Chromium driven by Playwright."""
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def playwright():
    """Playwright, once per run (its sync API starts only once per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright):
    """Headless Chromium from Debian (never a downloaded browser)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def bfcache_browser(playwright):
    """Chromium that keeps pages in its back/forward cache, as everyday Chrome does (Playwright turns it off)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                          ignore_default_args=["--disable-back-forward-cache"])
    yield chromium
    chromium.close()


def watch_for_problems(page, origin: str) -> list[str]:
    """Collect console errors (including CSP violations), broken resources and requests that leave `origin`."""
    problems: list[str] = []
    # A page may itself be a 404 or 422 (Chrome logs that as a console error); a broken stylesheet,
    # script or image is a problem and is caught by the response handler below.
    page.on(
        "console",
        lambda message: message.type == "error"
        and not message.text.startswith("Failed to load resource")
        and problems.append(message.text),
    )
    page.on(
        "response",
        lambda response: response.status >= 400
        and response.request.resource_type != "document"
        and problems.append(f"{response.status} for {response.url}"),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: request.url.startswith((origin, "data:"))
        or problems.append(f"request left the machine: {request.url}"),
    )
    return problems


@pytest.fixture
def page(browser, live_server):
    """A fresh page; console errors (including CSP violations) and off-machine requests fail the test."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    problems = watch_for_problems(page, "http://127.0.0.1")
    yield page
    context.close()
    assert problems == []


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def fill_listing_form(page, name: str, about: str) -> None:
    """Fill the listing form as a therapist in St. Petersburg, FL would: NMT, tension headaches, one practice."""
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Credentials").fill("LMT")
    page.get_by_label("Massage license number").fill("MA77777")
    page.get_by_label("State that issued the license").select_option("FL")
    page.get_by_label("About you and your practice").fill(about)
    page.get_by_label("Neuromuscular therapy (NMT)", exact=True).check()
    page.get_by_label("Tension headache", exact=True).check()
    page.locator("#locations-0-street").fill("200 Central Ave")
    page.locator("#locations-0-city").fill("St. Petersburg")
    page.locator("#locations-0-state").select_option("FL")
    page.locator("#locations-0-postal_code").fill("33701")
    page.get_by_label("Phone").fill("727-555-0142")
    page.get_by_label("Private contact email").fill("nadia@example.com")
