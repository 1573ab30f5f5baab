"""Every page speaks one language (issue 13, point 5): an English page holds
no Chinese beyond the data, a Chinese page no English chrome, and the
catalogue's Chinese uses full-width punctuation.

The pages are those of the permission matrix (tests/work/test_permissions.py,
its World for their arguments), opened by an office person, a leader and a
liaison, and the administrators' own desks (/admin/ with every list, form
and record their role may open, /security/, /audit/), each in English and in
Chinese, after the record has been filled (reports filed and returned,
warnings raised, messages sent).

The rule for "beyond the data": the data are the strings the database
holds in the duban apps' text fields (names, titles, reasons, usernames),
less the codes (fields with choices: a state is shown in words, never as
``in_progress``) and, on a Chinese page, the English names (``name_en``,
``title_en``), and, on an English page, a Chinese name that has an English
one. On an English page every run of Chinese characters must come from the
data; on a Chinese page every word of three or more ASCII letters must come
from the data or be one of the few names written in Latin letters in Chinese
too (PDF, Excel, API...). Visible text is what a person reads: text outside
<script> and <style>, and the title, placeholder, aria-label and alt of an
element, a button's value; the language switch (English / 中文) is left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from pprint import pformat

import openpyxl
import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import translation

import duban
from duban.documents.models import TaskImport
from duban.notify.digest import weekly_digest
from duban.notify.fanout import fan_out
from duban.org.models import Role
from duban.projects.scan import scan_projects
from duban.supervision.scan import scan
from duban.work import services

from . import factories as f
from .work.test_permissions import MATRIX, PERSONAS, World

CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
CJK_RUN = re.compile(f"[{CJK}]+")
# Written in Latin letters in a Chinese page too: file formats, protocols,
# products and the names of things a program reads.
# (Words in capitals, PDF, TOTP, OA, count as such.)
LATIN_IN_CHINESE = frozenset(
    """Excel Word WPS OpenAPI Webhook Webhooks Bearer Markdown Authorization
    Office PowerPoint WebP Microsoft Google Authenticator FreeOTP Control Command
    Mac""".split()
)
SEEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a person reads on a page in its own language, as a list of
    pieces: an element marked as another language (``lang="zh-CN"`` around a
    Chinese column name quoted on an English page) is left out, as screen
    readers read it as that language."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language[:2]
        self.pieces: list[str] = []
        self._hidden = 0  # inside <script>, <style>, the language switch or another language
        self._stack: list[tuple[str, bool]] = []

    def _hides(self, tag: str, found: dict[str, str | None]) -> bool:
        lang = (found.get("lang") or "").lower()[:2]
        return (
            tag in ("script", "style")
            or (found.get("data-testid") or "").startswith("lang-")
            or (bool(lang) and tag != "html" and lang != self.language)
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        hides = self._hides(tag, found)
        if tag not in VOID:
            self._stack.append((tag, hides))
            self._hidden += hides
        if self._hidden or hides:
            return
        for name in SEEN_ATTRIBUTES:
            if found.get(name) and not (name == "alt" and _upstream_icon(found)):
                self.pieces.append(str(found[name]))
        if tag == "input" and found.get("type") in ("submit", "button", "reset"):
            self.pieces.append(str(found.get("value") or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self._stack:
            opened, hides = self._stack.pop()
            self._hidden -= hides
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.pieces.append(data)


def _upstream_icon(attributes: dict[str, str | None]) -> bool:
    # The administration's own icons carry English alt texts no catalogue
    # reaches (Django writes alt="Search", alt="True" / "False" as they are).
    return (attributes.get("src") or "").startswith("/static/admin/img/")


VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


def visible_text(html: str, language: str) -> list[str]:
    parser = VisibleText(language)
    parser.feed(html)
    parser.close()
    return parser.pieces


# --- the data ---------------------------------------------------------------------------


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.choices
    ]


def _strings(value: object, *, inside: bool = False) -> list[str]:
    """A value's strings: itself, or a JSON value's leaves that read as text
    (with a space or a Chinese character: ``"new"`` or ``"accept"`` in a JSON
    value is a code, which a page never shows as it is)."""
    if isinstance(value, str):
        return [value] if not inside or not value.isascii() or " " in value else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, inside=True)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, inside=True)]
    return []


# The administration shows these apps' records too (sign-in attempts, its own log).
ADMINISTERED = ("axes", "admin")


def data_strings(language: str, *, administration: bool = False) -> list[str]:
    """What the record holds, as it may be shown in ``language``. The
    administration edits every field, so there a Chinese page may show an
    English name and an English page a Chinese one."""
    found: list[str] = []
    for model in apps.get_models():
        ours = model.__module__.startswith("duban.")
        if not (ours or (administration and model._meta.app_label in ADMINISTERED)):
            continue
        fields = _text_fields(model)
        if model._meta.app_label == "admin":
            fields = [field for field in fields if field.name == "object_repr"]
        names = {field.name for field in fields}
        for row in model._default_manager.values(*names):
            for name, value in row.items():
                if not value:
                    continue
                if not administration:
                    if language == "zh-hans" and name.endswith("_en") and name[:-3] in names:
                        continue  # an English name has no place on a Chinese page
                    if language == "en" and row.get(f"{name}_en"):
                        continue  # nor a Chinese name that has an English one on an English page
                found += _strings(value)
        if model._meta.app_label == "axes":
            # django-axes names its records in English whatever the language.
            found += [str(record) for record in model._default_manager.all()]
    return found


def workbook_strings() -> list[str]:
    """The cells of the task lists being imported: the data of their preview."""
    found: list[str] = []
    for task_import in TaskImport.objects.all():
        book = openpyxl.load_workbook(Path(settings.MEDIA_ROOT) / task_import.file.name)
        for sheet in book.worksheets:
            for cells in sheet.iter_rows(values_only=True):
                found += [cell for cell in cells if isinstance(cell, str)]
    return found


# A word of a Chinese page: three or more ASCII letters, not part of an
# address, a file name, a code or an identifier (evidence.pdf, dbn_aa7d, /api/v1/).
CHINESE_PAGE_WORD = re.compile(
    r"(?<![A-Za-z0-9_./@-])[A-Za-z]{3,}(?![A-Za-z0-9_/@-]|\.[A-Za-z0-9])"
)


def leaks(pieces: list[str], language: str, data: list[str]) -> list[str]:
    corpus = "\n".join(data)
    words = set(CHINESE_PAGE_WORD.findall(corpus))
    found = []
    for piece in pieces:
        if language == "en":
            found += [run for run in CJK_RUN.findall(piece) if run not in corpus]
        else:
            text = re.sub(r"https?://\S+|\S+@\S+", " ", piece)
            found += [
                w
                for w in CHINESE_PAGE_WORD.findall(text)
                if not w.isupper() and w not in LATIN_IN_CHINESE and w not in words
            ]
    return found


# --- the record, filled -----------------------------------------------------------------

# The personas of tests/conftest.py under usernames that are no English words
# ("office" would pass for data on a Chinese page).


@pytest.fixture
def office(db):
    return f.person("wangdc", Role.OFFICE, full_name="王督查")


@pytest.fixture
def leader(db):
    return f.person("lifzr", Role.LEADER, full_name="李副主任")


@pytest.fixture
def liaison_a(unit_a):
    return f.person("zhangll", Role.LIAISON, units=[unit_a], full_name="张联络")


@pytest.fixture
def liaison_b(unit_b):
    return f.person("zhaoll", Role.LIAISON, units=[unit_b], full_name="赵联络")


@pytest.fixture
def liaison_c(unit_c):
    return f.person("sunll", Role.LIAISON, units=[unit_c], full_name="孙联络")


@pytest.fixture
def filled(office, leader, liaison_a, plan, task, unit_a, liaison_b, liaison_c):
    """The permission matrix's World with everything built, and what the
    worker makes of it: warnings raised, messages and the digest sent."""
    world = World(office, leader, liaison_a, plan, task, unit_a)
    for name in (
        "token",
        "report",
        "attachment",
        "change",
        "notice",
        "warning",
        "appeal",
        "instruction",
        "close",
        "free",
        "fresh",
        "note",
        "hook",
        "webhook",
        "delivery",
        "locked_quarter",
        "task_import",
        "investment",
        "batch_event",
        "target",
        "milestone",
        "meeting",
    ):
        getattr(world, name)
    returned = f.report(liaison_a, world.free, period=f.LAST_WEEK)
    services.report_review(actor=office, report=returned, accept=False, comment="请补充附件。")
    f.accepted(office, liaison_a, world.free, period=f.TWO_WEEKS_AGO)
    scan()
    scan_projects()
    weekly_digest()
    fan_out()
    return world


Request = tuple[str, str, dict | None]  # method, address, form (None for a GET)

# Posts that would end the session or change the language under the test.
UNSENT = ("logout", "set_language", "session_end", "sessions_end_others")


def _requests(world: World, persona: str) -> list[Request]:
    """The matrix's GET addresses a persona opens or is refused with a reason
    (not those that send them elsewhere), then its forms: those they are
    refused as they were filled in the matrix (the reason), the others sent
    empty (what a form says when a field is missing)."""
    index = PERSONAS.index(persona)
    pages: list[Request] = [
        ("GET", row.url(world), None)
        for row in MATRIX
        if row.method == "GET" and row.expect[index] in (200, 400, 403, 404)
    ]
    forms: list[Request] = [
        (
            "POST",
            row.url(world),
            row.data(world) if row.data and row.expect[index] not in (200, 302) else {},
        )
        for row in MATRIX
        if row.method == "POST" and row.name not in UNSENT
    ]
    return pages + forms


def _checked(client, requests: list[Request], language: str) -> list[tuple[str, list[str]]]:
    """Each HTML page's visible text (downloads and redirections are left out)."""
    seen = []
    for method, url, data in requests:
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code < 500, url
        if response.status_code in (301, 302) or "text/html" not in response.get(
            "Content-Type", ""
        ):
            continue
        seen.append((f"{method} {url}", visible_text(response.content.decode(), language)))
    return seen


def _report(pages: list[tuple[str, list[str]]], language: str) -> dict[str, list[str]]:
    data = data_strings(language)
    everything = data_strings(language, administration=True)
    workbooks = workbook_strings()

    def data_of(url: str) -> list[str]:
        if " /admin/" in url:
            return everything
        return data + workbooks if " /imports/" in url else data

    found = {url: leaks(pieces, language, data_of(url)) for url, pieces in pages}
    if language != "en":
        for url, pieces in pages:
            found[url] += half_width(pieces, data_of(url))
    return {url: sorted(set(words)) for url, words in found.items() if words}


# ASCII punctuation between two pieces of Chinese prose on a page ("在办任务 50 项: 红色
# 11 项, …"): the page joins its words with the translated ones (：，。).
_PAGE_HALF_WIDTH = re.compile(rf"[{CJK}][^{CJK}:,;]{{0,12}}?\s*[:,;]\s*[^{CJK}:,;]{{0,12}}?[{CJK}]")


def half_width(pieces: list[str], data: list[str]) -> list[str]:
    """Stretches of a Chinese page where ASCII ``: , ;`` joins Chinese text,
    beyond data (a title may hold one) and times (12:30)."""
    corpus = "\n".join(data)
    text = re.sub(r"\s+", " ", " ".join(pieces))
    # times and time zones (10:00:00+08:00), numbers (100,000), addresses, placeholders
    text = re.sub(r"[\d:+.-]*\d:\d{2}[\d:+.-]*|\d,\d{3}|https?://\S+|%\(\w+\)s", "〇", text)
    return [
        m.group(0)
        for m in _PAGE_HALF_WIDTH.finditer(text)
        if not any(part and part in corpus for part in re.split(r"\s*[:,;]\s*", m.group(0)))
    ]


LANGUAGES = ("en", "zh-hans")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("persona", ["liaison_a", "leader", "office"])
def test_every_page_a_person_opens_speaks_their_language(as_, request, filled, persona, language):
    client = as_(request.getfixturevalue(persona), HTTP_ACCEPT_LANGUAGE=language)
    found = _report(_checked(client, _requests(filled, persona), language), language)
    assert not found, pformat(found, width=100)


# --- the administrators' desks ------------------------------------------------------------


def _admin_pages(person) -> list[str]:
    """/admin/ and, for every model the person may view, its list, its form
    to add one (if they may) and its first record."""
    urls = [reverse("admin:index")]
    request = type("R", (), {"user": person})()
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if not model_admin.has_view_permission(request):
            continue
        urls.append(reverse("admin:app_list", args=[meta.app_label]))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    return list(dict.fromkeys(urls))


ADMINISTRATORS = {
    Role.ADMIN: ["/", "/account/"],
    Role.SECURITY: ["/security/", "/account/"],
    Role.AUDITOR: ["/audit/", "/account/"],
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(ADMINISTRATORS))
def test_every_page_an_administrator_opens_speaks_their_language(as_, filled, role, language):
    person = f.person(f"adm{role}", role)
    client = as_(person, HTTP_ACCEPT_LANGUAGE=language)
    urls = ADMINISTRATORS[role] + (_admin_pages(person) if person.is_staff else [])
    found = _report(_checked(client, [("GET", url, None) for url in urls], language), language)
    assert not found, pformat(found, width=100)


def test_every_app_and_kind_of_record_in_the_administration_has_a_chinese_name():
    # Also those only a superuser's administration lists (the job queue's results).
    with translation.override("zh-hans"):
        names = {
            str(name)
            for model in admin.site._registry
            for name in (
                model._meta.app_config.verbose_name,
                model._meta.verbose_name,
                model._meta.verbose_name_plural,
            )
        }
    assert [name for name in names if not CJK_RUN.search(name)] == []


# --- the catalogue ------------------------------------------------------------------------

# Where ASCII punctuation is right in Chinese text: placeholders, addresses, times.
_NOT_PROSE = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{ ?\w+ ?\}\}|https?://\S+|\d{1,2}:\d{2}")
_HALF_WIDTH = re.compile(f"(?<=[{CJK}]) ?[:,;?!()]|[:,;?!()] ?(?=[{CJK}])")


def test_the_chinese_catalogue_uses_full_width_punctuation():
    po = polib.pofile(str(Path(duban.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"))
    wrong = []
    for entry in po.translated_entries():
        texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in texts:
            prose = _NOT_PROSE.sub("〇", text)  # a placeholder stands for Chinese text
            if _HALF_WIDTH.search(prose):
                wrong.append(text)
    assert wrong == []
