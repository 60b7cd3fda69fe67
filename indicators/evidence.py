"""Evidence files (佐证材料): what an uploaded file must be before it is kept, and where it is kept.

`prepare` checks an upload in memory and returns what will be stored, or raises ValidationError
with a message for the clerk; nothing touches storage until then. Images are judged by their
content, never by their name: Pillow must recognise a JPEG, PNG or HEIC (HEIC through pi-heif,
decode only) and verify it; it is refused above ``EVIDENCE_MAX_PIXELS`` before decoding
(a decompression bomb declares a huge size in a small file), then turned upright, re-encoded to
at most ``EVIDENCE_IMAGE_SIDE`` pixels with a thumbnail, and saved without EXIF or XMP (a
phone's photo carries its GPS position and the device). PDFs must start with ``%PDF-``.

`store` writes a prepared file under a random name in the ``evidence`` storage (the file system
or a private bucket, see settings); `discard` removes it. Only the workflow gate calls them
(``workflow.attach`` / ``workflow.detach``), so a file is kept exactly when its row says so.
"""

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .numbers import amount

try:  # HEIC, the iPhone's photo format, when pi-heif is installed (requirements.txt)
    from pi_heif import register_heif_opener

    register_heif_opener()
    IMAGE_FORMATS = ("JPEG", "PNG", "HEIF")
except ImportError:  # pragma: no cover - pi-heif is pinned; without it HEIC is simply refused
    IMAGE_FORMATS = ("JPEG", "PNG")

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
# What the file chooser offers; the content decides what is accepted.
ACCEPT = "image/*,.heic,.heif,.pdf,application/pdf"
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Prepared:
    """An upload that passed every check: the bytes to store, ready to be written."""

    content: bytes
    thumbnail: bytes  # b"" for a PDF
    content_type: str
    original_name: str

    @property
    def size(self):
        return len(self.content)


def storage():
    return storages["evidence"]


def prepare(upload):
    """Check ``upload`` (a Django UploadedFile) in memory; return it `Prepared` or raise
    ValidationError with why it is refused."""
    name = (upload.name or "").rsplit("/", 1)[-1][-200:] or "file"
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("“%(name)s”太大（%(size)s），每个文件不能超过%(limit)s。")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s”太大，每个文件不能超过%(limit)s。")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    if not data:
        raise ValidationError(_("“%(name)s”是空文件。") % {"name": name})
    if data.startswith(b"%PDF-"):
        return Prepared(data, b"", PDF, name)
    if name.lower().endswith(".pdf"):
        raise ValidationError(
            _("“%(name)s”不是有效的PDF文件（文件头不是%%PDF-），请重新导出后上传。")
            % {"name": name}
        )
    content, thumbnail, content_type = _reencode(data, name)
    return Prepared(content, thumbnail, content_type, name)


def _open(data, name):
    """The image in ``data``, verified and opened again for decoding (verify() spends it)."""
    unreadable = _("“%(name)s”不是可识别的图片或PDF文件。请上传JPG、PNG、HEIC照片或PDF文件。") % {
        "name": name
    }
    too_large = _(
        "“%(name)s”的像素过大（超过%(limit)s万像素），可能是异常文件。请用手机相册的编辑功能缩小后再上传。"
    ) % {"name": name, "limit": amount(settings.EVIDENCE_MAX_PIXELS // 10000, 0)}
    with warnings.catch_warnings():
        # Pillow warns between its limit and twice it, and raises above: both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=IMAGE_FORMATS) as probe:
                width, height = probe.size
                if width * height > settings.EVIDENCE_MAX_PIXELS:
                    raise ValidationError(too_large)
                probe.verify()
            image = Image.open(BytesIO(data), formats=IMAGE_FORMATS)
            return image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(too_large) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(unreadable) from None


def _reencode(data, name):
    """(image bytes, thumbnail bytes, content type): upright, bounded, without metadata."""
    image = _open(data, name)
    side = settings.EVIDENCE_IMAGE_SIDE
    keep_png = image.format == "PNG"  # screenshots and scans of text stay sharp as PNG
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format == "JPEG":
                image.draft("RGB", (side, side))  # decode at a reduced scale where JPEG allows
            icc_profile = image.info.get("icc_profile")
            image = ImageOps.exif_transpose(image)  # apply the orientation before EXIF goes
            if image.mode not in ("L", "RGB", "RGBA"):
                # Palettes keep their transparency in ``info``, which is emptied on saving.
                image = image.convert("RGBA" if image.mode in ("P", "LA", "PA") else "RGB")
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("“%(name)s”已损坏，无法读取，请重新拍照或导出后上传。") % {"name": name}
        ) from None
    if keep_png:
        content = _save(image, "PNG", icc_profile)
        content_type = PNG
    else:
        content = _save(_rgb(image), "JPEG", icc_profile, quality=JPEG_QUALITY, optimize=True)
        content_type = JPEG
    small = _rgb(image)
    small.thumbnail((settings.EVIDENCE_THUMBNAIL_SIDE,) * 2, Image.Resampling.LANCZOS)
    thumbnail = _save(small, "JPEG", None, quality=80)
    return content, thumbnail, content_type


def _rgb(image):
    if image.mode == "RGB":
        return image
    if image.mode == "RGBA":
        # Transparent parts on white, as on paper, not black.
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _save(image, fmt, icc_profile, **options):
    """Encode ``image`` with no metadata but its colour profile: Pillow carries ``info`` (XMP,
    EXIF, text chunks) into some encoders, so it is emptied first."""
    image.info = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def store(prepared):
    """Write ``prepared`` under new random names; returns (file name, thumbnail name)."""
    token = secrets.token_hex(16)
    folder = f"{token[:2]}/{token}"
    extension = EXTENSIONS[prepared.content_type]
    files = storage()
    name = files.save(f"{folder}.{extension}", ContentFile(prepared.content))
    thumbnail = ""
    if prepared.thumbnail:
        try:
            thumbnail = files.save(f"{folder}-thumb.jpg", ContentFile(prepared.thumbnail))
        except BaseException:
            files.delete(name)
            raise
    return name, thumbnail


def keep(model, prepared, user, **owner):
    """Store ``prepared`` and write its row of the evidence ``model`` (``owner``: the row it
    backs, e.g. ``entry=``), as ``user``; returns the stored names, for the caller to discard if
    its transaction fails later. A row that cannot be written leaves no file behind."""
    names = store(prepared)
    item = model(
        **owner,
        file_name=names[0],
        thumbnail_name=names[1],
        content_type=prepared.content_type,
        size=prepared.size,
        original_name=prepared.original_name,
        uploaded_by=user,
    )
    item._history_user = user
    try:
        item.save()
    except BaseException:
        discard(*names)
        raise
    return names


def discard(*names):
    """Delete stored files (missing ones are fine: the goal is that they are gone)."""
    files = storage()
    for name in names:
        if name:
            files.delete(name)
