"""Video links: recognising YouTube and Vimeo, and a page that asks before loading them."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from tests.factories import VideoPageFactory, video_index
from undersigned.news.video import validate_video_url, video_embed_for


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
        "http://youtube.com/watch?feature=share&v=aqz-KE-bpKQ",
        "https://m.youtube.com/watch?v=aqz-KE-bpKQ&list=PL123",
        "https://youtu.be/aqz-KE-bpKQ",
        "youtu.be/aqz-KE-bpKQ?si=tracking",
        "https://www.youtube.com/embed/aqz-KE-bpKQ",
        "https://www.youtube.com/shorts/aqz-KE-bpKQ",
        "https://www.youtube.com/live/aqz-KE-bpKQ",
        "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ",
    ],
)
def test_youtube_links_play_from_the_no_cookie_domain(url):
    video = video_embed_for(url)

    assert video.provider_name == "YouTube"
    assert video.video_id == "aqz-KE-bpKQ"
    assert video.embed_url.startswith("https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?")
    assert video.watch_url == "https://www.youtube.com/watch?v=aqz-KE-bpKQ"


@pytest.mark.parametrize(("start", "seconds"), [("90", 90), ("1m30s", 90), ("1h2m3s", 3723)])
def test_a_youtube_start_time_is_kept(start, seconds):
    video = video_embed_for(f"https://youtu.be/aqz-KE-bpKQ?t={start}")

    assert f"start={seconds}" in video.embed_url
    assert video.watch_url.endswith(f"&t={seconds}s")


@pytest.mark.parametrize(
    ("url", "embed", "watch"),
    [
        (
            "https://vimeo.com/76979871",
            "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1",
            "https://vimeo.com/76979871",
        ),
        (
            "https://vimeo.com/channels/staffpicks/76979871",
            "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1",
            "https://vimeo.com/76979871",
        ),
        (
            "https://vimeo.com/showcase/12345/video/76979871",
            "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1",
            "https://vimeo.com/76979871",
        ),
        (
            "https://vimeo.com/76979871/abc123def4",
            "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1&h=abc123def4",
            "https://vimeo.com/76979871/abc123def4",
        ),
        (
            "https://player.vimeo.com/video/76979871?h=abc123def4",
            "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1&h=abc123def4",
            "https://vimeo.com/76979871/abc123def4",
        ),
    ],
)
def test_vimeo_links_play_with_do_not_track(url, embed, watch):
    video = video_embed_for(url)

    assert video.provider_name == "Vimeo"
    assert video.embed_url == embed
    assert video.watch_url == watch


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a link",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=aqz-KE-bpKQ&v=x",  # first v wins: still valid
        "https://www.youtube.com/channel/UC123",
        "https://youtube.com.evil.example/watch?v=aqz-KE-bpKQ",
        "https://vimeo.com/about",
        "javascript:alert(1)//youtu.be/aqz-KE-bpKQ",
        "https://example.org/video.mp4",
    ],
)
def test_other_links_are_not_embedded(url):
    expected_valid = url.endswith("&v=x")
    assert (video_embed_for(url) is not None) is expected_valid


def test_the_video_link_field_refuses_links_it_cannot_embed():
    with pytest.raises(ValidationError, match="YouTube or Vimeo"):
        validate_video_url("https://example.org/video.mp4")
    validate_video_url("https://youtu.be/aqz-KE-bpKQ")


@pytest.mark.django_db
def test_a_video_page_with_an_unknown_link_does_not_validate(home):
    page = VideoPageFactory.build(video_url="https://example.org/video.mp4")
    page.path, page.depth = "00010001", 2  # tree fields, to validate the content fields alone
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "video_url" in error.value.message_dict


@pytest.mark.django_db
def test_the_video_page_asks_before_loading_anything_from_youtube(client, home):
    page = VideoPageFactory(title="Our councillors on the inspection")

    html = client.get(page.url).content.decode()

    assert "<iframe" not in html
    # Everything the page loads by itself comes from our own site.
    loaded = re.findall(
        r'<(?:script|img|link|iframe|source|video|audio)\b[^>]*?(?:src|href)="([^"]+)"', html
    )
    assert loaded
    assert all(url.startswith("/") for url in loaded), loaded
    assert (
        '<a class="button button--primary video__play" '
        'href="https://www.youtube.com/watch?v=aqz-KE-bpKQ" data-video-play>'
    ) in html
    assert "Play video (loads from YouTube)" in html
    assert 'data-video-embed="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?' in html
    assert '<script src="/static/news/news.js" defer>' in html


@pytest.mark.django_db
def test_the_videos_section_lists_its_videos(client, home):
    VideoPageFactory(title="Our councillors on the inspection")

    html = client.get(video_index().url).content.decode()

    assert "Our councillors on the inspection</a></h2>" in html
    assert "<iframe" not in html
