"""Languages: Chinese by default, English for whoever picks it in the header; the choice is
Django's django_language cookie. Dates and numbers follow the language, the admin's too. The
catalogues in git are complete and compiled, so a server needs no gettext."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from indicators.models import ProgressEntry

from .conftest import approve

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- The switch ----------------------------------------------------------------------------------


def test_pages_are_chinese_without_a_choice_whatever_the_browser_prefers(client, leader):
    client.force_login(leader)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = page.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "总览" in text and "Overview" not in text
    assert page["Content-Language"] == "zh-hans"


def test_the_header_offers_the_other_language_named_in_itself(client, leader):
    client.force_login(leader)
    chinese = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in chinese
    assert re.search(r'<button[^>]*value="en"[^>]*lang="en"[^>]*>English</button>', chinese)
    english = in_english(client).get("/").content.decode()
    assert re.search(
        r'<button[^>]*value="zh-hans"[^>]*lang="zh-hans"[^>]*>简体中文</button>', english
    )


def test_the_switch_keeps_the_choice_in_the_cookie_and_comes_back(client, leader):
    client.force_login(leader)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/departments/?month=3"})
    assert response.status_code == 302 and response["Location"] == "/departments/?month=3"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/departments/?month=3").content.decode()
    assert '<html lang="en">' in page and "Departments" in page and "责任单位" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "责任单位" in client.get("/departments/").content.decode()


def test_the_login_page_switches_too(client):
    page = in_english(client).get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page and "Log in" in page and "登录" not in page


def test_an_unknown_language_in_the_cookie_is_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()


def test_the_screen_and_the_error_pages_follow_the_language(client, leader):
    client.force_login(leader)
    in_english(client)
    assert '<html lang="en">' in client.get("/screen/").content.decode()
    missing = client.get("/indicators/999999/")
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()


# --- Formats -------------------------------------------------------------------------------------


def test_dates_and_numbers_in_each_language():
    moment = timezone.make_aware(datetime(2023, 11, 29, 18, 43))
    with translation.override("zh-hans"):
        assert formats.date_format(moment, "DATE_FORMAT") == "2023年11月29日"
        assert formats.number_format(1234567.5, 1, use_l10n=True, force_grouping=True) == (
            "1,234,567.5"
        )
    with translation.override("en"):
        assert formats.date_format(moment, "DATE_FORMAT") == "29 Nov 2023"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "29 Nov 2023 18:43"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "2023-11-29 18:43"
        assert formats.number_format(1234567.5, 1, use_l10n=True, force_grouping=True) == (
            "1,234,567.5"
        )


def test_the_admin_shows_dates_in_the_page_language(client, report, reviewer):
    indicator = report.indicators.first()
    entry = approve(indicator, 3, 12)
    ProgressEntry.objects.filter(pk=entry.pk).update(
        updated_at=timezone.make_aware(datetime(2023, 4, 2, 9, 30))
    )
    reviewer.is_staff = True  # the office works in the admin
    reviewer.save()
    client.force_login(reviewer)
    url = "/admin/indicators/progressentry/"
    assert "2023年4月2日 09:30" in client.get(url).content.decode()
    english = in_english(client).get(url).content.decode()
    assert "2 Apr 2023 09:30" in english and "2023年4月2日" not in english


# --- The catalogues ------------------------------------------------------------------------------


def read_po(path):
    """{(context, msgid): msgstr or (msgstr[0], msgstr[1]...)} and the entries' flags, from a
    .po as `make messages` writes it (no wrapping)."""
    entries, flags, entry = {}, {}, {}

    def flush():
        if "msgid" in entry:
            key = (entry.get("msgctxt"), entry["msgid"])
            strings = entry.get("msgstr", {})
            entries[key] = (
                strings[0] if len(strings) == 1 else tuple(strings[i] for i in sorted(strings))
            )
            flags[key] = entry.get("flags", set())
        entry.clear()

    last = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            flush()
        elif line.startswith("#~"):
            entry["obsolete"] = True
            entries[("#~", line)] = ""
        elif line.startswith("#,"):
            entry["flags"] = {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        else:
            match = re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d)\])?) (".*")', line)
            if match:
                name, index, text = match.group(1), match.group(2), ast.literal_eval(match.group(3))
                if name.startswith("msgstr"):
                    entry.setdefault("msgstr", {})[int(index or 0)] = text
                    last = ("msgstr", int(index or 0))
                else:
                    entry[name] = text
                    last = (name, None)
            else:  # a continued string
                text = ast.literal_eval(line)
                if last[0] == "msgstr":
                    entry["msgstr"][last[1]] += text
                else:
                    entry[last[0]] += text
    return entries, flags


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_has_a_translation_and_none_is_fuzzy(path):
    entries, flags = read_po(path)
    del entries[(None, "")]
    assert not [key for key in entries if key[0] == "#~"], "obsolete entries: run make messages"
    untranslated = [key for key, text in entries.items() if not all(text)]
    fuzzy = [key for key in entries if "fuzzy" in flags[key]]
    assert not untranslated, f"{len(untranslated)} without a translation, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy (check and remove the flag): {fuzzy[:5]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_the_committed_mo_is_the_compiled_po(path):
    """What a server reads (.mo, committed) says what the catalogue says: `make messages` was
    run after the last edit."""
    entries, _flags = read_po(path)
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for (context, msgid), text in entries.items():
        if not msgid:
            continue
        key = f"{context}\x04{msgid}" if context else msgid
        if isinstance(text, tuple):
            expected.update({(key, n): t for n, t in enumerate(text)})
        else:
            expected[key] = text
    compiled = {key: text for key, text in compiled.items() if key != ""}
    assert compiled == expected


def test_the_catalogue_holds_every_message_of_the_code(tmp_path):
    """`make messages` in a copy of the sources changes nothing: no text of the code or the
    templates is missing from the English catalogue, and none is left over."""
    if not (shutil.which("xgettext") and shutil.which("msgfmt")):
        message = "gettext is not installed (apt-get install gettext)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    # The sources as they are, without what is not source (the same files `make messages` reads).
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".*",
            "__pycache__",
            "node_modules",
            "staticfiles",
            "media",
            "backups",
            "screenshots",
            "fixtures",
            "bench",
            "tests",
            "*.sqlite3*",
            "*.xlsx",
        ),
    )
    venv = Path(sys.executable).parent.parent
    result = subprocess.run(
        ["make", "-s", "messages", f"VENV={venv}"],
        cwd=source,
        capture_output=True,
        text=True,
        env={**os.environ, "DEMO": "1"},
    )
    assert result.returncode == 0, result.stderr
    for po in CATALOGUES:
        fresh = source / po.relative_to(ROOT)
        assert fresh.read_text(encoding="utf-8") == po.read_text(encoding="utf-8"), (
            f"{po.relative_to(ROOT)} is not current: run `make messages` and translate what is new"
        )
