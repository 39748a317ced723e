"""Site-wide pages: search, sitemap, robots.txt, branding and the menu."""

from __future__ import annotations

import re

import pytest
from wagtail.models import Site

from tests.factories import PetitionPageFactory, site_home
from undersigned.site.models import LinkPage, SiteSettings


@pytest.fixture
def settings_for_site(home):
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def test_search_finds_a_published_petition_by_a_word_of_its_story(client, home):
    PetitionPageFactory(title="Save the Riverside lido", story="<p>Swimming for everyone</p>")
    PetitionPageFactory(title="Fix the potholes", story="<p>Roads</p>")
    html = client.get("/search/", {"q": "lido"}).content.decode()
    assert "Save the Riverside lido" in html
    assert "Fix the potholes" not in html


def test_search_without_words_shows_the_form_and_no_results(client, home):
    response = client.get("/search/", {"q": "   "})
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()
    assert "result" not in response.content.decode().split("</h1>", 1)[1].split("</form>")[1]


def test_search_query_is_escaped_on_the_page(client, home):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_unpublished_page_is_not_found_by_search(client, home):
    petition = PetitionPageFactory(title="Secret draft about the lido")
    petition.unpublish()
    assert "Secret draft" not in client.get("/search/", {"q": "lido"}).content.decode()


def test_sitemap_lists_published_pages_but_not_links_elsewhere(client, home):
    petition = PetitionPageFactory()
    home.add_child(instance=LinkPage(title="National site", link_url="https://example.com/"))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert petition.url in xml
    assert "example.com" not in xml


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_points_to_the_sitemap(client, home):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_the_menu_shows_sections_in_menus_and_links_elsewhere_directly(client, home):
    petitions = PetitionPageFactory().get_parent()
    petitions.show_in_menus = True
    petitions.save()
    home.add_child(
        instance=LinkPage(
            title="National site", link_url="https://example.com/", show_in_menus=True
        )
    )
    html = client.get("/").content.decode()
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/petitions/"' in nav
    assert 'href="https://example.com/"' in nav


def test_a_link_page_visited_directly_redirects_to_its_address(client, home):
    home.add_child(
        instance=LinkPage(title="National", slug="national", link_url="https://example.com/")
    )
    response = client.get("/national/")
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/"


def test_brand_colours_from_site_settings_reach_every_page(client, settings_for_site):
    settings_for_site.brand_colour = "#336699"
    settings_for_site.accent_colour = "#aa0000"
    settings_for_site.save()
    html = client.get("/").content.decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="(/brand/[^"]+\.css)">', html)
    assert stylesheet, "no brand stylesheet linked from the page"
    response = client.get(stylesheet.group(1))
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--brand:#336699" in css
    assert "--accent:#aa0000" in css
    assert "--accent-dark:#770000" in css


def test_a_colour_that_is_not_hex_is_refused_with_a_message(settings_for_site):
    from django.core.exceptions import ValidationError

    settings_for_site.brand_colour = "red; }"
    with pytest.raises(ValidationError) as error:
        settings_for_site.full_clean()
    assert "Enter a colour like" in str(error.value)


def test_footer_shows_the_phone_as_a_tel_link_and_the_copyright_years(client, settings_for_site):
    settings_for_site.contact_phone = "020 7946 0491"
    settings_for_site.copyright_start_year = 2000
    settings_for_site.save()
    html = client.get("/").content.decode()
    assert 'href="tel:02079460491"' in html
    assert "2000\u2013" in html


def test_site_home_factory_is_the_default_site_root(db):
    home = site_home()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk


def test_a_link_page_takes_a_web_address_or_a_path_here_but_nothing_else(home):
    from django.core.exceptions import ValidationError

    link = LinkPage(title="Privacy", slug="privacy-link", link_url="/privacy/")
    home.add_child(instance=link)
    link.full_clean()
    for bad in ("javascript:alert(1)", "//evil.example/", "privacy"):
        link.link_url = bad
        with pytest.raises(ValidationError):
            link.full_clean()
