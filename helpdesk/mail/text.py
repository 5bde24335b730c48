"""Text helpers for mail bodies: HTML to text, sanitising, subjects, quoted history."""

import html
import re

import nh3

_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/tr|/li|/h[1-6]|/table)\s*>")
_CELL_END = re.compile(r"(?i)<\s*/t[dh]\s*>")
# Lines where a mail client starts the quoted history of an earlier mail.
_QUOTE_HEADER = re.compile(
    r"^(-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|messaggio originale"
    r"|mensaje original|元のメッセージ|forwarded message|message transféré"
    r"|weitergeleitete nachricht|messaggio inoltrato|mensaje reenviado|転送メッセージ)\s*-{2,}"
    r"|on .{4,200} wrote:|am .{4,200} schrieb .{0,200}:|le .{4,200} a écrit\s*:"
    r"|il .{4,200} ha scritto:|el .{4,200} escribió:"
    # Japanese Gmail and Apple Mail: "2026年11月18日(水) 10:00 名前 <a@b.jp>:",
    # "2026/11/18 10:00、名前 <a@b.jp>のメール:"; Thunderbird "…さんは書きました:".
    r"|\d{4}\s*[年/][^<>]{4,200}(<[^<>]{1,200}>|のメール|のメッセージ|書きました)\s*[:：]"
    r"|(from|von|de|da|差出人)\s?[:：]\s.+@.+)\s*$",
    re.IGNORECASE,
)
# Outlook's header block: the sender's line (French with a space before the colon; Amazon
# removes the address: "[e-mail address removed]") followed by the sending date's line.
_FROM_LINE = re.compile(r"^(from|von|de|da|差出人|送信者)\s?[:：]\s*\S", re.IGNORECASE)
_RULE_LINE_END = re.compile(r"\n[ \t]*_{10,}[ \t]*$")
_SENT_LINE = re.compile(
    r"^(sent|date|gesendet|datum|envoyé|inviato|data|enviado|enviado el|fecha|送信日時|日付)"
    r"\s?[:：]", re.IGNORECASE,
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


# What an HTML body may cost before any HTML library reads it. html5ever (nh3's parser) works
# in time that grows with the square of the open-element depth: 80,000 nested <div> took 24 s
# and 1 MB of unclosed ones over a minute. Within these bounds the costliest body found takes
# it about 2 s, an ordinary one milliseconds (docs/SECURITY.md). Amazon's own mails are
# 10-60 KB and nest a few dozen deep; a long reply chain quoting each mail in a <div> nests
# one deeper per reply (500 deep in the test corpora).
HTML_MAX_CHARS = 512 * 1024
HTML_MAX_DEPTH = 1024
# Elements that the HTML parser closes itself when a sibling opens (<p><p>), or that never
# hold content (<br>): they do not deepen its stack, so they are not counted.
_NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "p", "li", "dt", "dd", "td", "th", "tr", "thead", "tbody",
    "tfoot", "option", "optgroup", "colgroup", "caption", "rb", "rt", "rp",
})
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})")
_ANY_TAG = re.compile(r"<[^<>]*>")
_HIDDEN_START = re.compile(r"(?i)<(script|style|head)\b")
_HIDDEN_END = {name: re.compile(rf"(?i)</{name}[^<>]*>?") for name in ("script", "style", "head")}


def html_too_costly(value: str) -> str:
    """Why ``value`` must not be given to an HTML parser ("" when it may). One linear scan
    that estimates the parser's open-element depth from start and end tags; it errs towards
    "too deep" (a tag in a comment counts), never the other way."""
    if len(value) > HTML_MAX_CHARS:
        return f"HTML body larger than {HTML_MAX_CHARS} characters"
    depth = 0
    for match in _TAG_NAME.finditer(value):
        if match.group(2).lower() in _NOT_NESTING:
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > HTML_MAX_DEPTH:
            return f"HTML nested deeper than {HTML_MAX_DEPTH} elements"
    return ""


def html_strip(value: str, *, limit: int = HTML_MAX_CHARS) -> str:
    """The words of an HTML body without parsing it: script, style and head content dropped,
    block ends made line breaks, every other tag removed, entities decoded. Each step is a
    forward scan (``<[^<>]*>`` stops at the next ``<``), so the cost is linear in the input.
    At most ``limit`` characters of text are returned."""
    kept: list[str] = []
    position = 0
    while (found := _HIDDEN_START.search(value, position)) is not None:
        kept.append(value[position:found.start()])
        end = _HIDDEN_END[found.group(1).lower()].search(value, found.end())
        if end is None:  # never closed: the rest is hidden content
            position = len(value)
            break
        position = end.end()
    kept.append(value[position:])
    text = _ANY_TAG.sub("", _CELL_END.sub(" \t", _BLOCK_END.sub("\n", "".join(kept))))
    lines = [" ".join(line.split()) for line in html.unescape(text).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:limit]


def _source_kept(element: str, attribute: str, value: str) -> str | None:
    """An image's source only when it is a part of the mail itself (``cid:``): an address
    outside (a tracking pixel, a remote picture) is dropped from the stored HTML. The
    ticket's frame would refuse to load it anyway (its Content-Security-Policy); dropped,
    the address never reaches the agent's browser at all, nor anything that reads the
    stored HTML, and the image shows as its alt text."""
    if element == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None
    return value


def sanitise_html(value: str) -> str:
    """HTML safe to show in the ticket's sandboxed frame. A body too large or too deep for
    the HTML parser is shown as its text, escaped, instead."""
    if not value:
        return ""
    if html_too_costly(value):
        return f"<pre>{html.escape(html_strip(value))}</pre>"
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_source_kept,
    )


def html_to_text(value: str) -> str:
    if not value:
        return ""
    if html_too_costly(value):
        return html_strip(value)
    # The breaks go just before the end tags, which stay: removed, they would leave every
    # block open, and the parser's cost grows with the square of the open blocks. Before,
    # not after: inside the element they move with it (a <p> in a <table> is moved out of
    # the table by the parser, while whitespace after it would stay behind).
    marked = _CELL_END.sub(r" \t\g<0>", _BLOCK_END.sub(r"\n\g<0>", value))
    stripped = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head"})
    lines = [" ".join(line.split()) for line in html.unescape(stripped).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_quoted(text: str) -> tuple[str, str]:
    """(own words, quoted history) of a plain-text body."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_HEADER.match(stripped) or (
            _FROM_LINE.match(stripped) and index + 1 < len(lines)
            and _SENT_LINE.match(lines[index + 1].strip())
        ):
            own = "\n".join(lines[:index]).strip()
            # Outlook draws a line of underscores above its header block.
            own = _RULE_LINE_END.sub("", own).rstrip()
            if own:
                return own, "\n".join(lines[index:]).strip()
            break
    return text.strip(), ""
