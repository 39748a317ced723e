"""Video links (YouTube, Vimeo) turned into privacy-friendly embeds, without any network call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")
# "90", "90s", "1m30s", "1h2m3s": the forms YouTube's "start at" links use.
YOUTUBE_START = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


@dataclass(frozen=True)
class VideoEmbed:
    """Where a video plays inside our page (``embed_url``) and on its own site (``watch_url``)."""

    provider: str
    provider_name: str
    video_id: str
    embed_url: str
    watch_url: str


def _youtube_start(value: str) -> int:
    match = YOUTUBE_START.match(value or "")
    if not match or not any(match.groups()):
        return 0
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _youtube(video_id: str, start: int) -> VideoEmbed:
    params = {"autoplay": "1", "rel": "0"}
    watch = {"v": video_id}
    if start:
        params["start"] = str(start)
        watch["t"] = f"{start}s"
    return VideoEmbed(
        provider="youtube",
        provider_name="YouTube",
        video_id=video_id,
        embed_url=f"https://www.youtube-nocookie.com/embed/{video_id}?{urlencode(params)}",
        watch_url=f"https://www.youtube.com/watch?{urlencode(watch)}",
    )


def _vimeo(video_id: str, unlisted_hash: str) -> VideoEmbed:
    params = {"autoplay": "1", "dnt": "1"}
    watch_url = f"https://vimeo.com/{video_id}"
    if unlisted_hash:
        params["h"] = unlisted_hash
        watch_url += f"/{unlisted_hash}"
    return VideoEmbed(
        provider="vimeo",
        provider_name="Vimeo",
        video_id=video_id,
        embed_url=f"https://player.vimeo.com/video/{video_id}?{urlencode(params)}",
        watch_url=watch_url,
    )


def video_embed_for(url: str) -> VideoEmbed | None:
    """The embed for a YouTube or Vimeo link, or ``None`` for anything else."""
    url = (url or "").strip()
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    query = parse_qs(parts.query)

    if host in YOUTUBE_HOSTS or host == "youtu.be":
        start = _youtube_start(query.get("t", query.get("start", [""]))[0])
        if host == "youtu.be":
            candidate = segments[0] if segments else ""
        elif segments[:1] == ["watch"]:
            candidate = query.get("v", [""])[0]
        elif len(segments) >= 2 and segments[0] in ("embed", "shorts", "live", "v"):
            candidate = segments[1]
        else:
            candidate = ""
        return _youtube(candidate, start) if YOUTUBE_ID.match(candidate) else None

    if host in VIMEO_HOSTS:
        if host == "player.vimeo.com":
            if len(segments) != 2 or segments[0] != "video":
                return None
            video_id, unlisted_hash = segments[1], query.get("h", [""])[0]
        else:
            # vimeo.com/123, vimeo.com/123/abcdef (unlisted), vimeo.com/channels/name/123,
            # vimeo.com/showcase/9/video/123
            numeric = [i for i, segment in enumerate(segments) if VIMEO_ID.match(segment)]
            if not numeric:
                return None
            position = numeric[-1] if "video" in segments else numeric[0]
            video_id = segments[position]
            following = segments[position + 1 : position + 2]
            unlisted_hash = following[0] if following else query.get("h", [""])[0]
        if not VIMEO_ID.match(video_id):
            return None
        if unlisted_hash and not VIMEO_HASH.match(unlisted_hash):
            unlisted_hash = ""
        return _vimeo(video_id, unlisted_hash)

    return None


def validate_video_url(value: str) -> None:
    """Form and model validation: only links we know how to embed without a network call."""
    if video_embed_for(value) is None:
        raise ValidationError(
            _("Paste the link of a YouTube or Vimeo video, e.g. https://www.youtube.com/watch?v=…"),
            code="unsupported_video",
        )
