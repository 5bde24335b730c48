"""Text helpers for mail bodies: HTML to text, sanitising, subjects, quoted history."""

import html
import re

import nh3

_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/tr|/li|/h[1-6]|/table)\s*>")
_CELL_END = re.compile(r"(?i)<\s*/t[dh]\s*>")
# Lines where a mail client starts the quoted history of an earlier mail.
_QUOTE_HEADER = re.compile(
    r"^(-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|messaggio originale"
    r"|mensaje original)\s*-{2,}"
    r"|on .{4,200} wrote:|am .{4,200} schrieb .{0,200}:|le .{4,200} a écrit\s*:"
    r"|il .{4,200} ha scritto:|el .{4,200} escribió:"
    r"|(from|von|de|da):\s.+@.+)\s*$",
    re.IGNORECASE,
)

# Tags and attributes a buyer's HTML may keep: formatting, tables, links and images.
# Scripts, styles, event handlers, forms and iframes are removed by nh3.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "div", "em", "font", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "*": {"dir", "lang"},
}


def sanitise_html(value: str) -> str:
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(value: str) -> str:
    if not value:
        return ""
    marked = _CELL_END.sub(" \t", _BLOCK_END.sub("\n", value))
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head"})
    lines = [" ".join(line.split()) for line in html.unescape(stripped).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_quoted(text: str) -> tuple[str, str]:
    """(own words, quoted history) of a plain-text body."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_HEADER.match(stripped):
            own = "\n".join(lines[:index]).strip()
            if own:
                return own, "\n".join(lines[index:]).strip()
            break
    return text.strip(), ""
