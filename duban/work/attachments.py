"""What an attachment may be: type (by extension and by content) and size;
what one request may bring (how many, how large together) and what a unit
may keep (its quota). The services call :func:`check_all` inside their
transaction, so the pages, the API and the commands get the same answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from duban.org.models import Unit

from .models import Attachment

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Each allowed extension, with the content type we serve it as and the first
# bytes a real file of that kind starts with (a renamed .exe is refused).
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (_ZIP,),
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (_ZIP,),
    ),
    ".doc": ("application/msword", (_OLE,)),
    ".xls": ("application/vnd.ms-excel", (_OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (_OLE,)),
    ".wps": ("application/vnd.ms-works", (_OLE,)),
    ".ofd": ("application/ofd", (_ZIP,)),
}

# The types a browser shows in its own viewer without running anything of the
# file's: an attachment of one of them may be opened in a tab (still under the
# sandboxed, empty policy of duban.org.http.download); every other is saved.
SHOWN_INLINE = frozenset(
    content_type
    for content_type, _starts in ALLOWED.values()
    if content_type == "application/pdf" or content_type.startswith("image/")
)


@dataclass
class CheckedUpload:
    file: UploadedFile
    name: str
    size: int
    content_type: str


def check(upload: UploadedFile) -> CheckedUpload:
    name = PurePosixPath(upload.name or "").name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ALLOWED:
        raise ValidationError(
            {
                "attachments": _(
                    "“%(name)s” is not an accepted file type. Accepted: PDF, images "
                    "(PNG, JPEG, GIF, WebP) and Office files (Word, Excel, PowerPoint, WPS, OFD)."
                )
                % {"name": name}
            }
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"attachments": _("“%(name)s” is empty.") % {"name": name}})
    limit = settings.DUBAN_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            {
                "attachments": _("“%(name)s” is %(size)s; the limit is %(limit)s.")
                % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    content_type, magics = ALLOWED[suffix]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError(
            {
                "attachments": _("“%(name)s” does not look like a real %(kind)s file.")
                % {"name": name, "kind": suffix.lstrip(".").upper()}
            }
        )
    return CheckedUpload(file=upload, name=name[:255], size=size, content_type=content_type)


def unit_storage_used(unit: Unit) -> int:
    """The bytes of attachments a unit keeps: those of the tasks it leads
    (only the lead unit's liaisons report on a task and ask to close it)."""
    total = Attachment.objects.filter(task__lead_unit=unit).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


def check_all(uploads: Sequence[UploadedFile], *, unit: Unit) -> list[CheckedUpload]:
    """The files of one request, each checked as :func:`check` does: at most
    DUBAN_MAX_UPLOAD_FILES of them, DUBAN_MAX_UPLOAD_REQUEST_BYTES together,
    and within the quota of ``unit`` (DUBAN_UNIT_QUOTA_BYTES, 0 for none).

    Call it in the transaction that stores them: the unit's row is locked
    while its use is summed, so two requests cannot both take its last room."""
    if not uploads:
        return []
    limit = settings.DUBAN_MAX_UPLOAD_FILES
    if len(uploads) > limit:
        raise ValidationError(
            {
                "attachments": _(
                    "%(count)s files were sent; at most %(limit)s can be attached at once."
                )
                % {"count": len(uploads), "limit": limit}
            }
        )
    checked = [check(upload) for upload in uploads]
    size = sum(c.size for c in checked)
    most = settings.DUBAN_MAX_UPLOAD_REQUEST_BYTES
    if size > most:
        raise ValidationError(
            {
                "attachments": _(
                    "The files sent together are %(size)s; at most %(limit)s can be sent at once."
                )
                % {"size": filesizeformat(size), "limit": filesizeformat(most)}
            }
        )
    quota = settings.DUBAN_UNIT_QUOTA_BYTES
    if quota:
        Unit.objects.select_for_update().only("pk").get(pk=unit.pk)
        used = unit_storage_used(unit)
        if used + size > quota:
            raise ValidationError(
                {
                    "attachments": _(
                        "%(unit)s already keeps %(used)s of attachments, out of its quota of "
                        "%(quota)s; these files (%(size)s) would go over it. Nothing was saved: "
                        "send fewer or smaller files, or ask the administrator for a larger quota."
                    )
                    % {
                        "unit": unit,
                        "used": filesizeformat(used),
                        "quota": filesizeformat(quota),
                        "size": filesizeformat(size),
                    }
                }
            )
    return checked
