"""Is an uploaded file what its name says, and whole? Signed documents must open years later."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

DOCUMENT_SIZE_MAX = 20 * 1024 * 1024  # the largest file a bot may download from Telegram
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc (Word 97–2003)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
UNPACKED_MAX = 200 * 1024 * 1024  # what a 20 MB Word document may hold unpacked

KINDS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".odt": "odt",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
}


def document_kind(file_name: str | None) -> str | None:
    """The kind of a signed document by its name; None for files we do not keep."""
    if not file_name:
        return None
    return KINDS.get(PurePath(file_name).suffix.lower())


def looks_intact(kind: str, content: bytes) -> bool:
    """True when `content` has the structure of a complete file of `kind`."""
    if kind == "pdf":
        return content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]
    if kind == "doc":
        return content.startswith(OLE_MAGIC) and len(content) >= 1536
    if kind == "jpeg":
        return content.startswith(b"\xff\xd8\xff") and content.rstrip(b"\x00").endswith(b"\xff\xd9")
    if kind == "png":
        return content.startswith(PNG_MAGIC) and b"IEND" in content[-16:]
    if kind in ("docx", "odt"):
        return _zip_intact(content, "word/document.xml" if kind == "docx" else "content.xml")
    return False


def _zip_intact(content: bytes, required_member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > UNPACKED_MAX:  # a document, not a bomb: do not unpack gigabytes
                return False
            return required_member in archive.namelist() and archive.testzip() is None
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return False
