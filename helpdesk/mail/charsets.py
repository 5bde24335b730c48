"""Bytes of a mail part or an encoded word as text, read by the charset label as mail programs
mean it rather than as Python's codec of that name reads it.

Labels name a family, and senders use its largest member: a Japanese mail labelled
``Shift_JIS`` is Windows' code page 932 (circled numbers ①, the 髙 of 髙橋, which Python's
``shift_jis`` refuses), one labelled ``ISO-2022-JP`` carries the same extensions (Microsoft's
CP50220), and ``iso-8859-1`` from Windows is cp1252 (its curly quotes and €). The WHATWG
Encoding Standard, which every browser follows, reads the labels so; the table below follows
it, and adds the labels Python does not know at all (``x-sjis``, ``windows-874``)."""

import re

# Label (lower case) → the codecs to try, in order.
_JAPANESE_SJIS = ("cp932", "shift_jis_2004")
_JAPANESE_EUC = ("euc_jp", "euc_jis_2004")
# ``_jis_as_cp932`` is tried after these when the bytes are ISO-2022-JP (CP50220's extensions).
_JAPANESE_JIS = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004")
# Not a codec Python has: ISO-2022-JP with Microsoft's extensions, read by ``_jis_as_cp932``.
_CP50220 = "cp50220"
_WESTERN = ("cp1252", "iso8859_1")
_FAMILIES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis",
                     "windows-31j", "cp932", "ms932", "x-ms-cp932", "x-mac-japanese"),
                    _JAPANESE_SJIS),
    **dict.fromkeys(("euc-jp", "x-euc-jp", "eucjp", "x-euc", "cseucpkdfmtjapanese"),
                    _JAPANESE_EUC),
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2",
                     "iso-2022-jp-3"), _JAPANESE_JIS),
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii",
                     "ascii", "ansi_x3.4-1968", "cp819", "ibm819", "windows-1252"),
                    _WESTERN),
    **dict.fromkeys(("gb2312", "x-gbk", "gbk", "euc-cn", "x-gb2312", "chinese"),
                    ("gb18030",)),
    **dict.fromkeys(("ks_c_5601-1987", "ks_c_5601", "euc-kr", "x-windows-949",
                     "windows-949"), ("cp949",)),
    **dict.fromkeys(("big5", "x-big5", "cn-big5", "csbig5"), ("big5hkscs", "cp950")),
    **dict.fromkeys(("windows-874", "tis-620", "iso-8859-11", "dos-874"), ("cp874",)),
    **dict.fromkeys(("iso-8859-8-i", "csiso88598i", "logical"), ("iso8859_8",)),
    **dict.fromkeys(("latin-9", "latin9", "l9"), ("iso8859_15",)),
}
# ISO-2022-JP's switch to JIS X 0208: no other text has ESC in it, so these bytes name the
# charset whatever the label says (or when there is none).
_JIS_ESCAPE = re.compile(rb"\x1b\$[@B]")
_JIS_SWITCH = re.compile(rb"\x1b(\$[@B]|\([BJI])")


def codecs_for(label: str | None) -> tuple[str, ...]:
    """The codecs to try for a charset label, most likely first ("" for none)."""
    label = (label or "").strip().strip("\"'").lower()
    return _FAMILIES.get(label) or ((label,) if label else ())


def charset_decode(data: bytes, label: str | None) -> str:
    """``data`` as text: the label's codecs, then UTF-8, then cp1252; never raises (a byte
    nothing reads becomes U+FFFD)."""
    codecs = codecs_for(label)
    if codecs == _WESTERN and not data.isascii():
        # UTF-8 labelled Latin-1 (web forms, old scripts) is the common lie. Text really in
        # cp1252 is almost never also valid UTF-8 ("Ã©" for é), so valid UTF-8 wins.
        codecs = ("utf-8", *codecs)
    if b"\x1b" in data and _JIS_ESCAPE.search(data):
        codecs = (*_JAPANESE_JIS, _CP50220, *codecs)
    for codec in (*codecs, "utf-8", "cp1252"):
        try:
            return _jis_as_cp932(data) if codec == _CP50220 else data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _jis_as_cp932(data: bytes) -> str:
    """ISO-2022-JP with Microsoft's extensions (CP50220: NEC's row 13, IBM's kanji) read by
    moving each double-byte run to Shift_JIS and decoding it as cp932, which has them all."""
    out = bytearray()
    mode = b"(B"
    position = 0
    for switch in _JIS_SWITCH.finditer(data):
        out += _jis_run(data[position:switch.start()], mode)
        mode, position = switch.group(1), switch.end()
    out += _jis_run(data[position:], mode)
    return out.decode("cp932")


def _jis_run(run: bytes, mode: bytes) -> bytes:
    if mode == b"(I":  # JIS X 0201 half-width katakana: one byte each, high bit set in cp932
        return bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in run)
    if mode not in (b"$@", b"$B"):
        return run
    out = bytearray()
    index = 0
    while index < len(run):
        first = run[index]
        if not 0x21 <= first <= 0x7E or index + 1 >= len(run):
            out.append(first)  # a line break a broken sender left in double-byte mode
            index += 1
            continue
        second = run[index + 1]
        lead = (first - 0x21) // 2 + 0x81
        lead += 0x40 if lead > 0x9F else 0
        # An odd JIS row is the first half of a Shift_JIS lead byte's range, an even one the
        # second; 0x7F is no trail byte, so the first half skips it.
        trail = second + 0x1F + (second >= 0x60) if first % 2 else second + 0x7E
        out += bytes((lead, trail))
        index += 2
    return bytes(out)
