"""Opening a workbook's zip only when it is safe to unpack.

A workbook (.xlsx) is a zip of XML parts. Before any XML is parsed,
``open_zip`` checks the zip's directory: how many parts, their names
(duplicates, absolute paths, ``..``), each part's declared unpacked size and
packing ratio, their sum, and that no two parts share their packed bytes (a
"non-recursive" zip bomb). It then returns a ``GuardedZip``, whose parts
read through a stream that stops at the declared size, so a directory that
lies about the sizes is caught as the part is read, never after it has
filled the memory. The limits are in ``_limits``.

``zip_kind`` tells an Excel workbook from the other zip formats (OpenDocument,
.xlsb, Word, Numbers) so that those are refused with a useful message.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from ..errors import SourceError
from ._limits import limit, setting, show_size
from ._sniff import TRUNCATED_ZIP, Kind, message

_END = b"PK\x05\x06"
_END_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF
_LOCAL_HEADER = 30

ODS = Kind("ods", "an OpenDocument spreadsheet (.ods), which cxexcel does not read")
ODF = Kind(
    "odf",
    "an OpenDocument file (text or presentation), not a spreadsheet",
    "put the table into an Excel workbook and save it as .xlsx",
)
XLSB = Kind("xlsb", "an Excel binary workbook (.xlsb), which cxexcel does not read")
DOCX = Kind(
    "docx",
    "a Word document (.docx), not a workbook",
    "put the table into an Excel workbook and save it as .xlsx",
)
PPTX = Kind(
    "pptx",
    "a PowerPoint presentation (.pptx), not a workbook",
    "put the table into an Excel workbook and save it as .xlsx",
)
NUMBERS = Kind(
    "numbers",
    "an Apple Numbers document",
    "export it from Numbers as Excel (File > Export To > Excel)",
)
OTHER_ZIP = Kind(
    "zip",
    "a zip archive that holds no Excel workbook",
    "unpack it and pass the workbook or CSV files inside",
)


def open_zip(path: Path, display: str) -> GuardedZip:
    """``path`` as a GuardedZip, or a SourceError saying why it is refused."""
    with open(path, "rb") as file:
        entries, directory = _directory_size(file, display)
    if entries > limit("MAX_ZIP_ENTRIES"):
        raise _refused(
            display,
            f"it holds {entries:,} parts, more than the {limit('MAX_ZIP_ENTRIES'):,} "
            f"a workbook may have ({setting('MAX_ZIP_ENTRIES')})",
        )
    if directory > limit("MAX_ZIP_DIRECTORY_BYTES"):
        raise _refused(
            display,
            f"its list of parts takes {show_size(directory)}, more than "
            f"{show_size(limit('MAX_ZIP_DIRECTORY_BYTES'))} "
            f"({setting('MAX_ZIP_DIRECTORY_BYTES')})",
        )
    if entries == 0:
        raise SourceError(f"{display}: cannot be read as an Excel workbook: it is an empty zip")
    try:
        archive = GuardedZip(path, display)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SourceError(
            f"{display}: cannot be read as an Excel workbook: the zip is damaged ({exc})"
        ) from exc
    try:
        check_entries(archive.infolist(), display)
    except BaseException:
        archive.close()
        raise
    return archive


def _directory_size(file, display: str) -> tuple[int, int]:
    """(number of entries, bytes of central directory) from the end record,
    read before zipfile parses the directory (which costs per entry)."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    tail_size = min(size, _END_SIZE + _MAX_COMMENT)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < _END_SIZE:
        raise SourceError(message(display, TRUNCATED_ZIP))
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    locator = at - 20
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator >= 0:
        if tail[locator : locator + 4] == _ZIP64_LOCATOR:
            (offset,) = struct.unpack_from("<Q", tail, locator + 8)
            file.seek(offset)
            record = file.read(56)
            if record[:4] == _ZIP64_END and len(record) == 56:
                entries, directory = struct.unpack_from("<QQ", record, 32)
    return entries, directory


def check_entries(infos: list[zipfile.ZipInfo], display: str) -> None:
    """Refuse a zip whose directory lists hostile entries (see the module docstring)."""
    part_limit = limit("MAX_PART_BYTES")
    total_limit = limit("MAX_UNZIPPED_BYTES")
    ratio_limit = limit("MAX_ZIP_RATIO")
    ratio_floor = limit("RATIO_FLOOR_BYTES")
    seen: dict[str, str] = {}
    total = 0
    for info in infos:
        name = info.filename
        _check_name(name, info.orig_filename, display)
        key = name.casefold()
        if key in seen:
            raise _refused(
                display,
                f'it holds two parts named "{name}"'
                + ("" if seen[key] == name else f' and "{seen[key]}"')
                + " (a forged or damaged zip)",
            )
        seen[key] = name
        if info.flag_bits & 0x1:
            raise _refused(
                display,
                f"part {name} is encrypted with a zip password, which Excel never writes "
                "(a password-protected workbook is not a zip)",
            )
        size, packed = info.file_size, info.compress_size
        if size > part_limit:
            raise _refused(
                display,
                f"part {name} would unpack to {show_size(size)}, more than the "
                f"{show_size(part_limit)} allowed for one part ({setting('MAX_PART_BYTES')})",
            )
        if size > ratio_floor and size > ratio_limit * max(packed, 1):
            raise _refused(
                display,
                f"part {name} would unpack from {show_size(packed)} to {show_size(size)} "
                f"({size // max(packed, 1):,}:1; the limit is {ratio_limit}:1, "
                f"{setting('MAX_ZIP_RATIO')}), which is how a zip bomb looks",
            )
        total += size
        if total > total_limit:
            raise _refused(
                display,
                f"its parts would unpack to more than {show_size(total_limit)} together "
                f"({setting('MAX_UNZIPPED_BYTES')}), which is how a zip bomb looks",
            )
    _check_overlaps(infos, display)


_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_name(name: str, original: str, display: str) -> None:
    parts = name.split("/")
    if (
        name.startswith("/")
        or "\\" in original
        or "\x00" in name
        or _DRIVE.match(name)
        or ".." in parts
        or posixpath.normpath(name) != name.rstrip("/")
    ):
        raise _refused(
            display,
            f"it holds a part named {original!r}, a path that points outside the workbook "
            "or is written in a non-standard way (a forged zip)",
        )


def _check_overlaps(infos: list[zipfile.ZipInfo], display: str) -> None:
    """No part's packed bytes may begin inside another's: zip bombs that list
    the same packed data many times are refused."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for before, after in zip(ordered, ordered[1:], strict=False):
        end = (
            before.header_offset
            + _LOCAL_HEADER
            + len(before.orig_filename.encode("utf-8", "surrogateescape"))
            + before.compress_size
        )
        if after.header_offset < end:
            raise _refused(
                display,
                f"parts {before.filename} and {after.filename} share their packed bytes "
                "(overlapping entries), which is how a zip bomb looks",
            )


def _refused(display: str, reason: str) -> SourceError:
    return SourceError(f"{display}: refused as unsafe to unpack: {reason}")


def zip_kind(archive: zipfile.ZipFile) -> Kind | None:
    """None for an Excel workbook, else the kind of zip ``archive`` is."""
    names = {name.casefold(): name for name in archive.namelist()}
    if "mimetype" in names:
        with archive.open(names["mimetype"]) as file:
            mimetype = file.read(200)
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return ODS
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            return ODF
    if "xl/workbook.bin" in names:
        return XLSB
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    if "index/document.iwa" in names:
        return NUMBERS
    if "[content_types].xml" not in names:
        return OTHER_ZIP
    return None


class GuardedZip(zipfile.ZipFile):
    """A read-only ZipFile whose parts read through a ``CappedStream``.

    ``filters`` maps a part name to a function wrapping its stream (used to
    skip a sheet's empty rows); ``display`` names the file in errors.
    """

    def __init__(self, path: Path, display: str):
        super().__init__(path, "r")
        self.display = display
        self.filters: dict[str, Callable[[io.RawIOBase], io.RawIOBase]] = {}
        self._streams: list[io.RawIOBase] = []

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode != "r":
            raise ValueError("a GuardedZip is read-only")
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        stream = CappedStream(super().open(info, "r", pwd), info, self.display)
        wrap = self.filters.get(info.filename)
        opened = wrap(stream) if wrap is not None else stream
        self._streams = [s for s in self._streams if not s.closed] + [opened]
        return opened

    def close(self) -> None:
        # A part still open (held by a traceback after a failed read) would
        # keep the file open past ZipFile.close: close the parts first.
        for stream in getattr(self, "_streams", ()):
            stream.close()
        self._streams = []
        super().close()


class CappedStream(io.RawIOBase):
    """A part's bytes, at most its declared size (and MAX_PART_BYTES): more
    means the zip's directory lies, and reading stops with a SourceError."""

    def __init__(self, raw, info: zipfile.ZipInfo, display: str):
        super().__init__()
        self._raw = raw
        self._name = info.filename
        self._display = display
        self._left = min(info.file_size, limit("MAX_PART_BYTES"))
        self._declared = info.file_size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        wanted = self._left + 1 if size is None or size < 0 else min(size, self._left + 1)
        try:
            data = self._raw.read(wanted) if wanted else b""
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise self._forged(exc) from exc
        self._left -= len(data)
        if self._left < 0:
            raise self._forged(None)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()

    def _forged(self, cause: BaseException | None) -> SourceError:
        detail = f" ({cause})" if cause is not None else ""
        return SourceError(
            f"{self._display}: cannot be read as an Excel workbook: part {self._name} does not "
            f"match the size ({show_size(self._declared)}) or checksum the zip's directory gives "
            f"for it{detail}; the file is damaged or forged"
        )
