"""What an uploaded file really is: its type is read from the content, never taken from the
browser, and the name's extension must agree with it.

`sniff(head, filename)` looks at the first bytes (`SNIFF_BYTES`) and the name and answers a
`TypeVerdict`: the content type to store and, when the file is refused, a problem code with the
facts for the message (the web layer words it in the user's language):

- `executable_name`    the name ends in .exe, .dll, .bat, .sh, .js, .msi, … (whatever is inside);
- `executable_content` the bytes are a program: ELF, PE/MZ, Mach-O (also fat), a `#!` script;
- `name_mismatch`      the extension says one type, the content another (a PE renamed .pdf);
- `unknown_binary`     the extension names a type with a signature but the bytes have none.

Text formats (csv, txt, …) have no signature: they pass when the bytes are text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

import filetype

SNIFF_BYTES = 8192
OCTET_STREAM = "application/octet-stream"

# Names that run when opened on someone's computer: refused whatever the content is.
EXECUTABLE_EXTENSIONS = frozenset(
    "exe dll com scr pif cpl msi msp msc bat cmd ps1 psm1 vbs vbe js jse mjs cjs wsf wsh hta "
    "jar apk app ipa deb rpm sh bash zsh csh ksh command elf so dylib bin run out lnk reg inf "
    "gadget application appref-ms scf url xbap xll".split()
)

# Magic numbers of programs; filetype knows ELF and PE, Mach-O and scripts are checked here.
_PROGRAM_MAGIC = (
    (b"\x7fELF", "ELF"),
    (b"MZ", "PE/MZ"),
    (b"\xfe\xed\xfa\xce", "Mach-O"),
    (b"\xfe\xed\xfa\xcf", "Mach-O"),
    (b"\xce\xfa\xed\xfe", "Mach-O"),
    (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O/Java"),  # fat Mach-O binary or Java class file
    (b"#!", "script"),
    (b"\x00asm", "WebAssembly"),
)

# Sniffed type -> extensions that may carry it. Containers (zip, OLE) hold office files whose
# detection may need more than the first bytes, so those extensions are accepted for them too.
_OOXML = {"docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "zip"}
_OLE = {"doc", "xls", "ppt", "msg", "vsd", "pub"}
_COMPATIBLE: dict[str, set[str]] = {
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/tiff": {"tif", "tiff"},
    "image/heic": {"heic", "heif"},
    "application/zip": _OOXML,
    "application/msword": _OLE,
    "application/vnd.ms-excel": _OLE,
    "application/vnd.ms-powerpoint": _OLE,
    "application/x-cfb": _OLE,
    "video/mp4": {"mp4", "m4v"},
    "audio/mp4": {"m4a", "mp4"},
    "video/quicktime": {"mov", "qt"},
    "audio/mpeg": {"mp3", "mpga"},
    "application/gzip": {"gz", "tgz"},
    "application/font-sfnt": {"ttf", "otf"},
    "application/font-woff": {"woff", "woff2"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
}

# Text formats: no magic number, so the extension decides once the bytes are known to be text.
TEXT_TYPES = {
    "txt": "text/plain",
    "text": "text/plain",
    "log": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "htm": "text/html",
    "svg": "image/svg+xml",
    "ics": "text/calendar",
    "vcf": "text/vcard",
    "eml": "message/rfc822",
}

IMAGE_TYPES_WITH_THUMBNAIL = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"}
)


@dataclass(frozen=True)
class TypeVerdict:
    content_type: str
    problem: str = ""
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.problem)


def extension_of(filename: str) -> str:
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix
    return suffix[1:].lower() if suffix else ""


def _program_kind(head: bytes) -> str:
    for magic, kind in _PROGRAM_MAGIC:
        if head.startswith(magic):
            # "MZ" is two letters: a text file may start so; a DOS/PE program is not text.
            if magic == b"MZ" and _looks_like_text(head) and not _pe_header(head):
                continue
            return kind
    return ""


def _pe_header(head: bytes) -> bool:
    if len(head) < 0x40:
        return False
    offset = int.from_bytes(head[0x3C:0x40], "little")
    return head[offset : offset + 4] == b"PE\0\0"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")  # Windows exports (Excel CSV) are often not UTF-8
            except UnicodeDecodeError:
                return False
    return True


def _ole(head: bytes) -> bool:
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def sniff(head: bytes, filename: str) -> TypeVerdict:
    """The type of a file from its first bytes, and whether it must be refused (see above)."""
    extension = extension_of(filename)
    if extension in EXECUTABLE_EXTENSIONS:
        return TypeVerdict(OCTET_STREAM, "executable_name", {"extension": extension})
    program = _program_kind(head)
    if program:
        return TypeVerdict(OCTET_STREAM, "executable_content", {"kind": program})
    kind = filetype.guess(head)
    if kind is not None and kind.mime == "application/x-msdownload" and not program:
        kind = None  # "MZ" at the start of text (see _program_kind)
    if kind is not None and kind.mime == "application/x-executable":
        return TypeVerdict(OCTET_STREAM, "executable_content", {"kind": kind.extension.upper()})
    if kind is None and _ole(head):
        # Office 97–2003 documents and .msi installers share this container.
        kind_mime, kind_ext = "application/x-cfb", "ole"
    elif kind is not None:
        kind_mime, kind_ext = kind.mime, kind.extension
    else:
        kind_mime, kind_ext = "", ""
    if kind_mime:
        allowed = _COMPATIBLE.get(kind_mime, {kind_ext})
        if extension and extension not in allowed:
            return TypeVerdict(
                kind_mime, "name_mismatch", {"extension": extension, "found": kind_ext}
            )
        if kind_mime == "application/x-cfb" and extension in _OLE:
            kind_mime = {"doc": "application/msword", "xls": "application/vnd.ms-excel"}.get(
                extension, "application/vnd.ms-office"
            )
        return TypeVerdict(kind_mime)
    if _looks_like_text(head):
        if extension in TEXT_TYPES or not extension:
            return TypeVerdict(TEXT_TYPES.get(extension, "text/plain"))
        if extension in _SIGNED_EXTENSIONS:
            return TypeVerdict(
                "text/plain", "name_mismatch", {"extension": extension, "found": "text"}
            )
        return TypeVerdict("text/plain")
    if extension in _SIGNED_EXTENSIONS:
        return TypeVerdict(OCTET_STREAM, "unknown_binary", {"extension": extension})
    return TypeVerdict(OCTET_STREAM)


# Extensions whose files always start with a signature filetype recognises.
_SIGNED_EXTENSIONS = frozenset(
    {t.extension for t in filetype.TYPES}
    | {"jpeg", "jpe", "tiff", "docx", "xlsx", "pptx", "doc", "xls", "ppt"}
) - {"txt"}
