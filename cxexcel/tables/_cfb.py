"""The stream names of an OLE2 compound file (CFB), read from its directory.

Old Excel files (.xls), Word files (.doc) and password-protected .xlsx
files (an ``EncryptionInfo`` and an ``EncryptedPackage`` stream) are all
compound files; their stream names tell them apart. Only the header, the
FAT sectors and the directory chain are read, each bounded, so a damaged
or hostile file costs little (MS-CFB, sections 2.2-2.6).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

_HEADER = 512
_END_OF_CHAIN = 0xFFFFFFFE
_LAST_REGULAR = 0xFFFFFFFA
#: At most this many directory sectors are followed (4,096 directory entries
#: per 128 sectors of 4 KiB): more is a loop or a hostile file.
_MAX_DIRECTORY_SECTORS = 4096
_MAX_FAT_SECTORS = 1 << 16


class NotCompoundFile(ValueError):
    """The file is not a readable compound file."""


def stream_names(file: BinaryIO) -> set[str]:
    """The names of every stream and storage in the compound file ``file``."""
    header = _read_at(file, 0, _HEADER)
    if len(header) < _HEADER or header[:8] != SIGNATURE:
        raise NotCompoundFile("no compound file header")
    (sector_shift,) = struct.unpack_from("<H", header, 0x1E)
    if sector_shift not in (9, 12):
        raise NotCompoundFile(f"sector size 2**{sector_shift}")
    size = 1 << sector_shift
    fat_count, first_directory = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    if fat_count > _MAX_FAT_SECTORS:
        raise NotCompoundFile(f"{fat_count} FAT sectors")
    fat_sectors = _fat_sectors(file, header, size, fat_count, first_difat, difat_count)
    fat = _fat(file, size, fat_sectors)
    names: set[str] = set()
    sector, seen = first_directory, set()
    while sector <= _LAST_REGULAR:
        if sector in seen or len(seen) >= _MAX_DIRECTORY_SECTORS:
            raise NotCompoundFile("the directory chain loops")
        seen.add(sector)
        data = _read_at(file, _HEADER + sector * size, size)
        if len(data) < size:
            raise NotCompoundFile("the directory runs past the end of the file")
        for offset in range(0, size, 128):
            name = _entry_name(data[offset : offset + 128])
            if name:
                names.add(name)
        sector = fat[sector] if sector < len(fat) else _END_OF_CHAIN
    return names


def _fat_sectors(file, header, size, count, first_difat, difat_count) -> list[int]:
    """Where the FAT sectors are: 109 in the header, the rest in DIFAT sectors."""
    sectors = list(struct.unpack_from("<109I", header, 0x4C))
    per_sector = size // 4 - 1
    sector, hops = first_difat, 0
    while len(sectors) < count and sector <= _LAST_REGULAR and hops <= difat_count:
        data = _read_at(file, _HEADER + sector * size, size)
        if len(data) < size:
            raise NotCompoundFile("a DIFAT sector runs past the end of the file")
        values = struct.unpack(f"<{per_sector + 1}I", data)
        sectors.extend(values[:per_sector])
        sector, hops = values[per_sector], hops + 1
    return [s for s in sectors[:count] if s <= _LAST_REGULAR]


def _fat(file, size: int, sectors: list[int]) -> list[int]:
    fat: list[int] = []
    for sector in sectors:
        data = _read_at(file, _HEADER + sector * size, size)
        if len(data) < size:
            break  # a truncated file: use the FAT as far as it goes
        fat.extend(struct.unpack(f"<{size // 4}I", data))
    return fat


def _entry_name(entry: bytes) -> str:
    """The name of a 128-byte directory entry ("" for an unused one)."""
    if len(entry) < 128 or entry[66] == 0:  # object type 0: unused
        return ""
    (length,) = struct.unpack_from("<H", entry, 64)
    length = min(max(length - 2, 0), 62)  # bytes, without the terminating NUL
    return entry[:length].decode("utf-16-le", errors="replace")


def _read_at(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)
