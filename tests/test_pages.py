"""Site-wide rules: security headers, no inline code, error pages."""
import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_security_headers_on_every_response(client, vocabulary):
    for path in ("/", "/search", "/therapists/nobody", "/api/v1/modalities"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_scripts_or_styles(template):
    source = template.read_text()
    assert not re.search(r"\sstyle\s*=", source)
    assert "<style" not in source
    assert not re.search(r"\son[a-z]+\s*=", source)
    for tag in re.findall(r"<script[^>]*>", source):
        assert 'type="application/ld+json"' in tag or "src=" in tag, tag


def test_friendly_404_and_405(client, vocabulary):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "We couldn't find that page" in missing.get_data(as_text=True)
    wrong_method = client.post("/search")
    assert wrong_method.status_code in (400, 405)
    assert "Traceback" not in wrong_method.get_data(as_text=True)


def test_unexpected_errors_render_a_friendly_500(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Please try again in a minute" in page
    assert "kaboom" not in page and "Traceback" not in page


def _descriptions(html: str) -> list[str]:
    return re.findall(r'<meta name="description" content="([^"]*)">', html)


@pytest.mark.parametrize("path", ["/", "/search?near=33701", "/checklist", "/list-your-practice", "/about"])
def test_every_public_page_has_one_meta_description(client, vocabulary, make_therapist, path):
    make_therapist()
    descriptions = _descriptions(client.get(path).get_data(as_text=True))
    assert len(descriptions) == 1 and len(descriptions[0]) > 40


def test_a_profile_is_described_by_its_therapist(client, make_therapist):
    therapist = make_therapist()
    description, = _descriptions(client.get(f"/therapists/{therapist.slug}").get_data(as_text=True))
    assert therapist.name in description and therapist.locations[0].city in description
