"""The picture shown when a petition without an image of its own is shared: its title and
organiser on the site's colours, 1200x630 (the size Facebook, X and others preview), drawn
with Pillow and kept in the shared cache under a key made from everything drawn."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.cache import cache as shared_cache
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
BAND_HEIGHT = 120  # the accent band along the bottom, with the organiser's name
TITLE_SIZES = range(76, 39, -4)  # largest first; the first at which the title fits is used
TITLE_MAX_LINES = 4
# Bump when the drawing changes, so that cards made before are drawn again.
DRAWING_VERSION = 1
KEEP_SECONDS = 30 * 24 * 3600  # the key changes with the content, so a copy never goes stale

# DejaVu (Debian's fonts-dejavu-core) covers Latin, Greek and Cyrillic; elsewhere Pillow's
# own font is used.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_BRAND, DEFAULT_ACCENT = "#0b4f6c", "#d62f5c"
TEXT_LIGHT = (255, 255, 255)
TEXT_SOFT = (255, 191, 71)  # the site's focus yellow, as on the petition page's header


@cache
def _font_file(bold: bool) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    return None


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _rgb(colour: str, default: str) -> tuple[int, int, int]:
    if not HEX_COLOUR.fullmatch(colour or ""):
        colour = default
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _darker(rgb: tuple[int, int, int], factor: float = 0.7) -> tuple[int, int, int]:
    return tuple(round(c * factor) for c in rgb)  # type: ignore[return-value]


@dataclass(frozen=True)
class ShareCard:
    """Everything drawn on a card; equal cards make the same picture."""

    title: str
    organiser: str
    site_name: str
    eyebrow: str  # "PETITION", in the site's language
    organiser_line: str  # "Started by …", in the site's language
    brand_colour: str
    accent_colour: str

    @property
    def key(self) -> str:
        """A short fingerprint of the card, for the cache, the ETag and the image's address."""
        parts = [str(DRAWING_VERSION), *(getattr(self, f) for f in self.__dataclass_fields__)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _text_width(font, text: str) -> float:
    return font.getlength(text)


def _split_long_word(word: str, font, width: int) -> list[str]:
    """A word wider than a line, cut where it must be (a long name, a web address)."""
    pieces, piece = [], ""
    for char in word:
        if piece and _text_width(font, piece + char) > width:
            pieces.append(piece)
            piece = char
        else:
            piece += char
    return [*pieces, piece] if piece else pieces


def wrap(text: str, font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels in ``font``."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _text_width(font, candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        if _text_width(font, word) <= width:
            line = word
        else:
            *full, line = _split_long_word(word, font, width)
            lines.extend(full)
    if line:
        lines.append(line)
    return lines


def _fit_title(title: str, width: int, height: int):
    """The largest title font at which the wrapped title fits; at the smallest size, the
    lines that fit, the last one ending in an ellipsis."""
    for size in TITLE_SIZES:
        font = _font(size, bold=True)
        lines = wrap(title, font, width)
        line_height = round(size * 1.2)
        if len(lines) <= TITLE_MAX_LINES and len(lines) * line_height <= height:
            return font, lines, line_height
    fitting = min(TITLE_MAX_LINES, height // line_height)
    if len(lines) > fitting:
        lines = lines[:fitting]
        lines[-1] = _ellipsised(lines[-1], font, width, cut=True)
    return font, lines, line_height


def _ellipsised(text: str, font, width: int, *, cut: bool = False) -> str:
    """``text``, or (too wide, or ``cut``) as much of it as fits ``width`` ending in "…", cut
    between words where there are any."""
    if not cut and _text_width(font, text) <= width:
        return text
    words = text.split()
    while len(words) > 1 and _text_width(font, " ".join(words) + "…") > width:
        words.pop()
    text = " ".join(words)
    while text and _text_width(font, text + "…") > width:
        text = text[:-1]
    return text.rstrip(" …") + "…"


def share_card_draw(card: ShareCard) -> bytes:
    """The card as a 1200x630 PNG."""
    brand = _rgb(card.brand_colour, DEFAULT_BRAND)
    accent = _rgb(card.accent_colour, DEFAULT_ACCENT)
    # The petition page's header: the darker brand colour, lightening to the brand colour.
    dark = Image.new("RGB", (WIDTH, HEIGHT), _darker(brand))
    light = Image.new("RGB", (WIDTH, HEIGHT), brand)
    sweep = Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT))
    picture = Image.composite(dark, light, sweep)
    draw = ImageDraw.Draw(picture)

    text_width = WIDTH - 2 * MARGIN
    eyebrow_font = _font(28, bold=True)
    eyebrow = card.eyebrow.upper()
    if card.site_name:
        eyebrow = f"{eyebrow} · {card.site_name}"
    draw.text(
        (MARGIN, 64),
        _ellipsised(eyebrow, eyebrow_font, text_width),
        font=eyebrow_font,
        fill=TEXT_SOFT,
    )

    title_top, title_bottom = 130, HEIGHT - BAND_HEIGHT - 40
    font, lines, line_height = _fit_title(card.title, text_width, title_bottom - title_top)
    y = title_top + (title_bottom - title_top - len(lines) * line_height) // 2
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=TEXT_LIGHT)
        y += line_height

    band_top = HEIGHT - BAND_HEIGHT
    draw.rectangle((0, band_top, WIDTH, HEIGHT), fill=accent)
    draw.rectangle((0, band_top, WIDTH, band_top + 6), fill=_darker(accent))
    organiser_font = _font(36)
    draw.text(
        (MARGIN, band_top + BAND_HEIGHT // 2 + 3),
        _ellipsised(card.organiser_line, organiser_font, text_width),
        font=organiser_font,
        fill=TEXT_LIGHT,
        anchor="lm",
    )

    out = io.BytesIO()
    picture.save(out, format="PNG")  # "optimize" would save 5% for three times the time
    return out.getvalue()


def share_card_png(card: ShareCard) -> bytes:
    """The card's PNG, drawn once per distinct card and then read from the shared cache."""
    key = f"petitions:share-card:{card.key}"
    png = shared_cache.get(key)
    if png is None:
        png = share_card_draw(card)
        shared_cache.set(key, png, KEEP_SECONDS)
    return png
