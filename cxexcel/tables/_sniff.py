"""What a file really is, from its first bytes (its "magic"), whatever its
name says, and what to tell a user who passed the wrong kind.

``sniff`` looks at the first few KiB only (and, for an OLE2 compound file,
its directory), so it is cheap on any file. Zip files are only recognised
here; what a zip holds (a workbook, an OpenDocument spreadsheet ...) is
decided by ``_zipguard`` once the zip is known to be safe to open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import _cfb

HEAD_BYTES = 8192

_SAVE_AS_XLSX = "open it in Excel (or LibreOffice) and save it as Excel Workbook (.xlsx)"


@dataclass(frozen=True)
class Kind:
    """A kind of file: a short ``name``, what it is in words, and what to do."""

    name: str
    what: str
    advice: str = _SAVE_AS_XLSX


ZIP = Kind("zip", "a zip archive")
TRUNCATED_ZIP = Kind(
    "truncated-zip",
    "an incomplete zip file: the directory at its end is missing, so it was cut short "
    "(an interrupted download or copy) or damaged",
    "copy or download it again, or open it in Excel to repair it",
)
EMPTY = Kind("empty", "an empty file (0 bytes)", "export or save the table again")
ENCRYPTED = Kind(
    "encrypted",
    "a password-protected (encrypted) Excel workbook",
    "open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
    "Password, clear the box) and save it, or save a copy without a password",
)
XLS = Kind("xls", "an Excel 97-2003 workbook (.xls), an old format cxexcel does not read")
DOC = Kind(
    "doc",
    "a Word 97-2003 document (.doc), not a workbook",
    "put the table into an Excel workbook and save it as .xlsx",
)
OLE = Kind(
    "ole",
    "an OLE2 compound file of an old Office format, not an Excel workbook",
)
PDF = Kind(
    "pdf",
    "a PDF document, not a workbook",
    "export the table from the program that made the PDF as .xlsx or CSV",
)
HTML = Kind(
    "html",
    "a web page (HTML) with a spreadsheet name, as some systems export 'Excel' files",
)
XML_2003 = Kind("xml-2003", "an Excel 2003 XML spreadsheet, an old format cxexcel does not read")
XML = Kind("xml", "an XML file, not a workbook", "export the table as .xlsx or CSV")
PARQUET = Kind("parquet", "a Parquet file", "give it a .parquet ending, named after its table")
GZIP = Kind("gzip", "a gzip-compressed file", "unpack it first (gunzip) and pass what it holds")
RTF = Kind("rtf", "an RTF document, not a workbook", "export the table as .xlsx or CSV")
TEXT = Kind(
    "text",
    "a text file (CSV?) with a workbook name",
    "if it is CSV, give it a .csv ending, named after its table (e.g. Orders.csv)",
)
BINARY = Kind(
    "binary",
    "not a workbook: its first bytes match no spreadsheet format",
    "check that it is the file you meant, or export the table again as .xlsx or CSV",
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff(path: Path) -> Kind:
    """The kind of the file at ``path``, from its first bytes."""
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
        if head.startswith(_cfb.SIGNATURE):
            return _compound(file)
    return kind_of_head(head)


def kind_of_head(head: bytes) -> Kind:
    """The kind of a file that starts with ``head`` (compound files aside)."""
    if not head:
        return EMPTY
    if head.startswith(_ZIP_MAGIC):
        return ZIP
    if head.startswith(_cfb.SIGNATURE):
        return OLE
    if head.startswith(b"%PDF"):
        return PDF
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith(b"{\\rtf"):
        return RTF
    text = _as_text(head)
    if text is None:
        return BINARY
    return _markup(text) or TEXT


def _compound(file) -> Kind:
    try:
        names = {name.casefold() for name in _cfb.stream_names(file)}
    except (_cfb.NotCompoundFile, OSError, ValueError):
        return OLE
    if {"encryptioninfo", "encryptedpackage"} & names:
        return ENCRYPTED
    if {"workbook", "book"} & names:
        return XLS
    if "worddocument" in names:
        return DOC
    return OLE


def _as_text(head: bytes) -> str | None:
    """``head`` as text if it looks like text (UTF-8/16 or Windows-1252), else None."""
    for bom, encoding in zip(_BOMS, ("utf-8", "utf-16-le", "utf-16-be"), strict=True):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore")
    utf16 = utf16_without_bom(head)
    if utf16:
        return head.decode(utf16, errors="ignore")
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", errors="ignore")
    if len(text.encode()) < len(head) - 4:  # many invalid UTF-8 bytes
        text = head.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if printable >= 0.95 * max(len(text), 1) else None


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` if ``head`` looks like UTF-16 text without a
    byte-order mark (every other byte NUL, as for Latin text), else None."""
    sample = head[: len(head) // 2 * 2][:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


_TAG = re.compile(r"^\s*<(!doctype\s+html|html|\?xml|table|head|body|meta|workbook)\b", re.I)


def _markup(text: str) -> Kind | None:
    match = _TAG.match(text)
    if match is None:
        return None
    lowered = text[:HEAD_BYTES].casefold()
    if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return XML_2003
    if match.group(1).casefold() == "?xml" and "<html" not in lowered:
        return XML
    return HTML


def message(display: str, kind: Kind, reading: str = "an Excel workbook") -> str:
    """The one-line refusal for a file ``display`` of kind ``kind``."""
    return f"{display}: cannot be read as {reading}: it is {kind.what}; {kind.advice}"
