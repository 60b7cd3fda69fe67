"""What a page says in which language: the interface chrome of a page or a workbook, with the
data (names, notes, codes, units: whatever the database holds) taken out, checked for words of
the other language. Used by tests/test_interface_language.py and tests/test_excel_languages.py.

Chrome is every text node, every attribute a person reads (title, placeholder, aria-label, alt,
the value of a button) and every text of a chart's figure. An element marked with a ``lang`` of
another language (the header's language switch, which names each language in itself) is left
out, as HTML means it to be. Data is found by value, not by markup: every text a model field of
the database holds, so a template literal that is not translated is caught wherever it stands.
"""

import json
import re
from html.parser import HTMLParser

from django.apps import apps
from django.db import models

# CJK ideographs and punctuation (、。《》), and full-width forms (，：（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
IDENTIFIER = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)+")
# Words a Chinese page may carry as they are: names of products, keys and file types (Django's
# own Chinese says "按住 Control 键或 Mac 上的 Command 键").
CHINESE_PAGE_WORDS = {
    "Excel",
    "WPS",
    "Tab",
    "xlsx",
    "docx",
    "PDF",
    "JPG",
    "PNG",
    "HEIC",
    "MB",
    "KB",
    "IP",
}
CHINESE_PAGE_WORDS |= {"ID", "Word", "Webhook", "Control", "Mac", "Command", "LDAP"}
# A 钉钉 robot's 加签 secret starts with the letters SEC, quoted as they are typed.
CHINESE_PAGE_WORDS |= {"SEC"}
# Parts of a chart's figure that a person reads.
FIGURE_TEXTS = {"name", "text", "hovertemplate", "texttemplate", "ticktext", "x", "y", "title"}
SPOKEN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
# Fields whose stored text is not shown as it is: codes of a choice (shown as their label, which
# is chrome), secrets, serialised sessions.
NOT_DATA_MODELS = {"sessions.session", "contenttypes.contenttype"}
# Apps whose records name themselves in their own words (django-axes: "Access Log for fgj @ ..."
# in English, in the admin's row checkboxes): their names count as data.
SELF_NAMED_APPS = {"axes"}


def language_of(code):
    return "en" if code.startswith("en") else "zh-hans"


class Page(HTMLParser):
    """The readable texts of an HTML page, each with where it was found."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.lang = ""
        self._stack = []  # (tag, skipped)
        self._chart = False
        self.feed(html)

    @property
    def _skipping(self):
        return any(skipped for _tag, skipped in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        other_language = "lang" in attrs and tag != "html" and attrs["lang"] != self.lang
        self._chart = tag == "script" and "data-chart" in attrs
        # <bdi> isolates a value inside a sentence: Django shows a password's hash in one.
        skipped = other_language or tag in ("style", "bdi") or (tag == "script" and not self._chart)
        if not skipped and not self._skipping:
            for name in SPOKEN_ATTRIBUTES & attrs.keys():
                self.texts.append((f"<{tag} {name}>", attrs[name] or ""))
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
                self.texts.append((f"<{tag} value>", attrs.get("value") or ""))
        if tag not in VOID:
            self._stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, _skipped = self._stack.pop()
            if open_tag == tag:
                break
        self._chart = False

    def handle_data(self, data):
        if self._skipping or not data.strip():
            return
        if self._chart:
            for text in figure_texts(json.loads(data)):
                self.texts.append(("chart", text))
        else:
            self.texts.append(("text", data))


def figure_texts(node, key=None):
    """The strings of a Plotly figure a person reads (names, hover and tick texts, axis titles,
    categories); colours, fonts and modes are not."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from figure_texts(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from figure_texts(value, key)
    elif isinstance(node, str) and key in FIGURE_TEXTS:
        # Plotly's own markup: %{y}, <br>, <extra></extra>.
        yield re.sub(r"%\{[^}]*\}|<[^>]*>", " ", node)


class Data:
    """Every text the database holds in a field shown as it is: the data a page may show in
    whatever language it was typed."""

    def __init__(self):
        values = set()
        for model in apps.get_models():
            if model._meta.label_lower in NOT_DATA_MODELS:
                continue
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField))
                and not f.choices
                and f.name != "password"
            ]
            if fields:
                for row in model.objects.values_list(*fields):
                    values.update(str(v).strip() for v in row if v)
            if model._meta.app_label in SELF_NAMED_APPS:
                values.update(str(record) for record in model.objects.all())
        values.discard("")
        # Longest first at each place, so a name is taken out whole before a shorter one in it.
        self.by_first = {}
        for value in sorted(values, key=len, reverse=True):
            if len(value) > 1:
                self.by_first.setdefault(value[0], []).append(value)
        self.single = {v for v in values if len(v) == 1}

    def without(self, text):
        """``text`` with every occurrence of a data value blanked out."""
        out, i = [], 0
        while i < len(text):
            for value in self.by_first.get(text[i], ()):
                if text.startswith(value, i):
                    out.append(" ")
                    i += len(value)
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


def foreign_words(text, language, data):
    """The words of ``text`` in the other language than ``language``, data left out."""
    pattern = CJK if language == "en" else LATIN_WORD
    if not pattern.search(text):
        return []
    if text.strip() in data.single:
        return []
    found = pattern.findall(data.without(text))
    allowed = data.single
    if language != "en":
        # Commands, file names, logins and codes are not words: manage.py, load_report, PP-01.
        identifiers = {w for m in IDENTIFIER.finditer(text) for w in LATIN_WORD.findall(m[0])}
        allowed = allowed | CHINESE_PAGE_WORDS | identifiers
    return [word for word in found if word not in allowed]


def page_problems(html, language, data):
    """[(where, text, foreign words)] for an HTML page that should be all ``language``."""
    page = Page(html)
    problems = []
    if language_of(page.lang) != language:
        problems.append(("<html lang>", page.lang, [page.lang]))
    for where, text in page.texts:
        words = foreign_words(text, language, data)
        if words:
            problems.append((where, " ".join(text.split())[:160], words))
    return problems


def workbook_problems(workbook, language, data):
    """The same for a workbook (openpyxl): sheet names and every cell."""
    problems = []
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue  # the hidden _meta sheet holds identifiers, not words
        words = foreign_words(sheet.title, language, data)
        if words:
            problems.append(("sheet name", sheet.title, words))
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    words = foreign_words(cell.value, language, data)
                    if words:
                        problems.append((f"{sheet.title}!{cell.coordinate}", cell.value, words))
        for validation in sheet.data_validations.dataValidation:
            for text in (validation.formula1, validation.error, validation.errorTitle):
                words = foreign_words(text or "", language, data)
                if words:
                    problems.append((f"{sheet.title} validation", text, words))
    return problems


def describe(failures):
    """A readable list for an assertion message: page, where, text, the foreign words."""
    lines = []
    for page, problems in failures:
        lines.append(page)
        for where, text, words in problems[:15]:
            lines.append(f"    {where}: {text!r} -> {words}")
        if len(problems) > 15:
            lines.append(f"    ... and {len(problems) - 15} more")
    return "\n".join(lines)
