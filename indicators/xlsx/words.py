"""Sheet names, headers and fixed words in cells, read in every language the site offers."""

import functools

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
META_SHEET = "_meta"
MAX_IMPORT_ROWS = 20000
YES = "是"  # a msgid: what a template asks for in a confirmation cell
YES_WORDS = ("yes", "y", "true", "1", "√", "✓")
YI = "亿元"


# ------------------------------------------------------------------------------------------------
# Words in every language
# ------------------------------------------------------------------------------------------------


def normalise(text):
    """A cell's text as words are compared: spaces collapsed, case ignored."""
    return " ".join(str(text).split()).casefold()


def _in_every_language(label):
    names = {normalise(label)} if isinstance(label, str) else set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(normalise(_(label) if isinstance(label, str) else label))
    return frozenset(names)


@functools.cache
def _cached_spellings(msgid):
    return _in_every_language(msgid)


def spellings(label):
    """Every way ``label`` may be written in a workbook, normalised: a msgid (the Chinese word)
    and its translation in each of settings.LANGUAGES; for a lazy label (a model choice), its
    text in each language."""
    if isinstance(label, str):
        return _cached_spellings(label)
    return _in_every_language(label)


def is_word(text, label):
    """Whether a cell's ``text`` is ``label`` in any of the site's languages."""
    return normalise(text) in spellings(label)


def is_yes(text):
    """A confirmation cell: 是 or yes in any language, or one of the usual marks."""
    return is_word(text, YES) or normalise(text) in YES_WORDS


def find_sheet(workbook, name):
    """The name the workbook gives the sheet called ``name`` (a msgid) in some language, or
    None."""
    wanted = spellings(name)
    return next((n for n in workbook.sheetnames if normalise(n) in wanted), None)


def listing(items):
    """Items in a sentence: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return pgettext("between the items of a list", "、").join(str(item) for item in items)
