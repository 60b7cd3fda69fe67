"""People in: the users workbook (``manage.py load_users FILE.xlsx`` and the upload on the admin's
user list), and the initial passwords it hands back to the office.

Layout, also written on the template's 说明 sheet: sheet ``用户`` with the columns 姓名, 登录名,
所属单位, 角色, 手机号, one row per person. 角色 is 填报员, 督查室 or 县领导 (or the group name
reporter/reviewer/leader); 所属单位 names a department by 代码 or name, and only 填报员 have one.

Accounts are matched by 登录名. A new one gets a generated initial password that passes every
password validator and must be changed at the first login; the passwords are handed back once
(printed, or written to a file) and never stored in clear. An existing one takes its name,
department, role and phone from the file and keeps its password; administrators are never
changed from a workbook. A workbook with any problem is refused whole, with every problem listed
by sheet, row and column.

Sheet, column and role names are msgids: the template is written in the downloader's language
and read in any of the site's (``indicators.xlsx.spellings``).
"""

import csv
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import roles
from accounts.roles import ensure_groups

from . import access
from .models import Department, Region, User
from .xlsx import (
    FORMULA_PREFIXES,
    META_SHEET,
    TEXT,
    WRAP,
    Column,
    ExcelImportError,
    Problem,
    Sheet,
    SheetReader,
    field_errors,
    find_sheet,
    is_word,
    open_workbook_safely,
    read_meta,
    workbook_bytes,
)

USERS_KIND = "county-targets/users"
USERS_SHEET, HELP_SHEET = gettext_noop("用户"), gettext_noop("说明")
HEADERS = (
    gettext_noop("姓名"),
    gettext_noop("登录名"),
    gettext_noop("所属单位"),
    gettext_noop("角色"),
    gettext_noop("手机号"),
)
# Added with regions: where the server holds one region it may be left out, as before.
OPTIONAL = (gettext_noop("所属地区"),)
# 角色 as the office writes it -> the group that carries the role's permissions.
ROLES = {
    gettext_noop("填报员"): "reporter",
    gettext_noop("督查室"): "reviewer",
    gettext_noop("县领导"): "leader",
}
ROLE_LABELS = {group: label for label, group in ROLES.items()}
PASSWORD_HEADERS = (
    gettext_noop("姓名"),
    gettext_noop("登录名"),
    gettext_noop("所属单位"),
    gettext_noop("角色"),
    gettext_noop("初始密码"),
)


HELP = [
    gettext_noop(
        "本工作簿用于批量建立账号（manage.py load_users 文件名.xlsx，或在管理后台“用户”页点击"
        "“从Excel导入用户”）。"
    ),
    gettext_noop("表头在第1行，数据从第2行开始；请不要改动表头和工作表名称。每行一人。"),
    gettext_noop(
        "姓名：必填。登录名：必填，只能用字母、数字和 @ . + - _，如 fgj-zhangsan；"
        "登录名一经使用不要更改。"
    ),
    gettext_noop("所属单位：填报员必填，填写责任单位的代码（如 fgj）或名称；督查室和县领导留空。"),
    gettext_noop("角色：填报员（本单位月度填报）、督查室（审核、设置目标任务）或县领导（查看）。"),
    gettext_noop("手机号：可空；11位手机号码。"),
    gettext_noop(
        "所属地区：填写地区名称（如 某某县）；服务器上只有一个地区时可以省略。"
        "填报员的所属单位按本地区查找；市级督查室和领导可以查看其下各县的情况。"
    ),
    gettext_noop(
        "导入规则：按登录名匹配。新账号由系统生成初始密码，首次登录时必须修改；"
        "已有账号按本表更新姓名、所属单位、角色和手机号，密码不变。系统管理员账号不能通过导入修改。"
    ),
    gettext_noop(
        "初始密码只在导入时给出一次（命令行打印或写入文件，后台导入时下载），系统不保存明文，请妥善分发。"
    ),
    gettext_noop(
        "只要有一处错误，整份文件都不会导入，系统会列出全部问题及其所在的工作表、行和列。"
    ),
]


def users_help():
    """The 说明 sheet, in the language of the person downloading."""
    return [_(line) for line in HELP]


# Letters and digits that cannot be misread when a password is read out over the phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PHONE = re.compile(r"1\d{10}")
# The User fields a row fills, checked by the model's own validators.
CHECKED_FIELDS = ("username", "last_name", "phone")


@dataclass
class Person:
    """One checked row of the workbook."""

    row: int
    name: str
    username: str
    department: Department | None
    role: str  # a group name
    phone: str
    region: Region | None = None


@dataclass
class UsersLoaded:
    """What a load did: the accounts created with their initial passwords, and counts."""

    created: list = field(default_factory=list)  # (Person, password)
    updated: int = 0
    unchanged: int = 0


# --- The blank template ------------------------------------------------------------------------


def users_template_sheets():
    return [
        Sheet(
            _(HELP_SHEET),
            [Column(_("说明"), 120, WRAP)],
            ((line,) for line in users_help()),
            autofilter=False,
        ),
        Sheet(
            _(USERS_SHEET),
            [
                Column(_(h), w, TEXT)
                for h, w in zip(HEADERS + OPTIONAL, (10, 18, 22, 10, 14, 12), strict=True)
            ],
            iter(()),
        ),
        Sheet(
            META_SHEET,
            [Column("key", 12), Column("value", 30)],
            iter([("kind", USERS_KIND), ("version", 1)]),
            state="hidden",
            autofilter=False,
            printable=False,
        ),
    ]


def users_template_bytes():
    return workbook_bytes(users_template_sheets())


# --- Reading and checking ----------------------------------------------------------------------


def _department(text, departments):
    wanted = text.strip().lower()
    for department in departments:
        if wanted in (department.code.lower(), department.name.lower()):
            return department
    return None


def _phone(text):
    """The number as stored: spaces, dashes and a +86 prefix dropped."""
    digits = re.sub(r"[\s\-()]", "", text)
    return re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)


def read_users_workbook(workbook, by=None):
    """Every person in the workbook, checked; raises `ExcelImportError` listing every problem.

    ``by``: the office loading it (None: an administrator, or the command line). An office
    loads only its own region's reporters and leaders, and the workbook's problems name nothing
    outside that region: another region's departments are simply not found, and an account it
    may not manage is only a login already taken."""
    meta = read_meta(workbook)
    if meta and meta.get("kind") not in ("", USERS_KIND):
        raise ExcelImportError(_("这不是用户导入工作簿（请下载用户导入模板填写）。"))
    problems = []
    sheet = SheetReader(workbook, USERS_SHEET, HEADERS, problems, optional=OPTIONAL)
    known = _known(sheet, by)
    seen = {}  # lowered login -> the row that first named it
    people = [_read_person(sheet, number, row, known, seen) for number, row in sheet.rows]
    if not sheet.rows and find_sheet(workbook, USERS_SHEET) and not problems:
        problems.append(Problem(_("工作表中没有用户。"), _(USERS_SHEET)))
    if problems:
        raise ExcelImportError(problems)
    return people


@dataclass
class _Known:
    """What the rows are checked against, as far as the one loading may see."""

    scoped: bool  # an office: its own region, and only the accounts it manages
    regions: dict  # name -> Region
    only_region: Region | None
    departments: list
    managed: set | None  # pks of the accounts a scoped load may change
    existing: dict  # lowered login -> User


def _known(sheet, by):
    scoped = by is not None and not access.manages_everything(by)
    regions = Region.objects.all()
    if scoped:
        regions = regions.filter(pk=access.home_region_id(by))
    regions = {region.name: region for region in regions}
    # Matched without case too: "FGJ" beside an existing "fgj" would be two look-alike accounts.
    lowered = [row["登录名"].lower() for _number, row in sheet.rows if row["登录名"]]
    return _Known(
        scoped=scoped,
        regions=regions,
        only_region=next(iter(regions.values())) if len(regions) == 1 else None,
        departments=list(Department.objects.filter(region__in=regions.values())),
        managed=set(access.managed_users(by).values_list("pk", flat=True)) if scoped else None,
        existing={
            user.username.lower(): user
            for user in User.objects.annotate(lowered=Lower("username")).filter(lowered__in=lowered)
        },
    )


def _read_person(sheet, number, row, known, seen):
    """One row as a `Person`, its problems noted on ``sheet``."""
    name, username = row["姓名"], row["登录名"]
    if not name:
        sheet.problem(number, 0, _("请填写姓名。"))
    _check_username(sheet, number, username, known, seen)
    role = _role(sheet, number, row["角色"], known)
    region = _region(sheet, number, row["所属地区"], known)
    department = _row_department(sheet, number, row["所属单位"], region, role, known)
    phone = _phone(row["手机号"])
    if phone and not PHONE.fullmatch(phone):
        sheet.problem(number, 4, _("手机号应为11位数字。"))
    # The model's own rules (the characters a login may use, lengths) on the sheet's columns.
    field_errors(
        sheet,
        number,
        User(username=username, last_name=name, phone=phone),
        {"username": "登录名", "last_name": "姓名", "phone": "手机号"},
        exclude=[f.name for f in User._meta.fields if f.name not in CHECKED_FIELDS],
    )
    return Person(number, name, username, department, role, phone, region)


def _check_username(sheet, number, username, known, seen):
    if not username:
        sheet.problem(number, 1, _("请填写登录名。"))
        return
    if username.lower() in seen:
        sheet.problem(
            number,
            1,
            _("登录名“%(username)s”与第%(row)s行重复。")
            % {"username": username, "row": seen[username.lower()]},
        )
        return
    seen[username.lower()] = number
    user = known.existing.get(username.lower())
    if user is None:
        return
    if user.username != username:
        sheet.problem(
            number,
            1,
            _("已有账号“%(existing)s”，登录名只差大小写，请改用原登录名或另取一个。")
            % {"existing": user.username},
        )
    elif known.managed is not None and user.pk not in known.managed:
        sheet.problem(number, 1, _("登录名已被占用，请另取一个。"))
    elif user.is_superuser or roles.is_administrator(user):
        sheet.problem(number, 1, _("这是系统管理员账号，不能通过导入修改。"))


def _role(sheet, number, text, known):
    role = next((g for label, g in ROLES.items() if is_word(text, label)), None) or (
        text if text in ROLE_LABELS else None
    )
    if role is None:
        sheet.problem(number, 3, _("角色应为 填报员、督查室 或 县领导。"))
    elif known.scoped and role not in access.MANAGED_ROLES:
        sheet.problem(number, 3, _("督查室只能建立本地区的填报员和县领导账号。"))
    return role


def _region(sheet, number, text, known):
    region = known.regions.get(text) if text else known.only_region
    if known.scoped and region is None:
        sheet.problem(
            number,
            "所属地区",
            _("只能导入本地区（%(region)s）的用户。") % {"region": known.only_region},
        )
    elif text and region is None:
        sheet.problem(number, "所属地区", _("没有名为“%(text)s”的地区。") % {"text": text})
    elif region is None:
        sheet.problem(number, "所属地区", _("服务器上有多个地区，请填写所属地区。"))
    return region


def _row_department(sheet, number, text, region, role, known):
    if not (text and region is not None):
        if role == "reporter":
            sheet.problem(number, 2, _("填报员须填写所属单位。"))
        return None
    department = _department(text, [d for d in known.departments if d.region_id == region.pk])
    if department is None:
        sheet.problem(
            number,
            2,
            _("没有代码或名称为“%(text)s”的责任单位。") % {"text": text},
        )
    elif role and role != "reporter":
        sheet.problem(number, 2, _("只有填报员属于责任单位，督查室和县领导请留空。"))
    return department


# --- Writing ----------------------------------------------------------------------------------


def initial_password(user):
    """A random password that every validator in settings accepts, readable over the phone."""
    while True:
        text = "-".join(
            "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)
        )
        try:
            validate_password(text, user)
        except ValidationError:
            continue
        return text


def role_groups():
    """The role groups by name. Only a server that lacks one has the groups set up here: a load
    never grants their permissions again (an administrator may have narrowed them)."""
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_LABELS)}
    if len(groups) < len(ROLE_LABELS):
        ensure_groups()
        groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_LABELS)}
    return groups


@transaction.atomic
def apply_users(people):
    """Create or update every person; returns `UsersLoaded` with the new initial passwords."""
    groups = role_groups()
    existing = {
        u.username: u for u in User.objects.filter(username__in=[p.username for p in people])
    }
    loaded = UsersLoaded()
    new = []
    for person in people:
        user = existing.get(person.username)
        if user is None:
            user = User(
                username=person.username,
                last_name=person.name,
                department=person.department,
                region=person.region,
                phone=person.phone,
                is_staff=person.role == "reviewer",
                must_change_password=True,
            )
            new.append((person, user, initial_password(user)))
        elif _update_user(user, person, groups):
            loaded.updated += 1
        else:
            loaded.unchanged += 1
    loaded.created = _create_users(new, groups)
    return loaded


def _update_user(user, person, groups):
    """Give an existing account the person's name, department, role and phone; whether that
    changed anything."""
    roles = set(user.groups.filter(name__in=ROLE_LABELS).values_list("name", flat=True))
    # The supervision office works in the admin; someone leaving it no longer does.
    staff = person.role == "reviewer" or (user.is_staff and "reviewer" not in roles)
    wanted = {
        "last_name": person.name,
        "department": person.department,
        "region": person.region,
        "phone": person.phone,
        "is_staff": staff,
    }
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    if not changed and roles == {person.role}:
        return False
    for name in changed:
        setattr(user, name, wanted[name])
    user.save()
    user.groups.remove(*[groups[name] for name in roles - {person.role}])
    user.groups.add(groups[person.role])
    return True


def _create_users(new, groups):
    """Save the new accounts (person, unsaved user, initial password); (person, password) each."""
    # Hashing is slow on purpose (a fifth of a second each); it runs outside the GIL, so the
    # machine's cores share it.
    with ThreadPoolExecutor() as pool:
        hashes = list(pool.map(make_password, [password for _p, _u, password in new]))
    created = []
    for (person, user, password), hashed in zip(new, hashes, strict=True):
        user.password = hashed
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ExcelImportError(
                Problem(
                    _("登录名已被占用，请重新导入。"), _(USERS_SHEET), person.row, "B", _("登录名")
                )
            ) from None
        user.groups.add(groups[person.role])
        created.append((person, password))
    return created


def load_users_file(uploaded_file, by=None):
    """Check and load a users workbook, all or nothing; raises `ExcelImportError`. ``by``: the
    office loading it, kept to its own region (`read_users_workbook`); None: everything."""
    workbook = open_workbook_safely(uploaded_file)
    try:
        people = read_users_workbook(workbook, by)
    finally:
        workbook.close()
    return apply_users(people)


# --- The initial passwords, for the office -----------------------------------------------------


def person_row(person):
    """A new account as the office reads it: name, login, department, role."""
    department = person.department.name if person.department else ""
    return (person.name, person.username, department, _(ROLE_LABELS[person.role]))


def password_rows(loaded):
    for person, password in loaded.created:
        yield (*person_row(person), password)


def passwords_bytes(loaded):
    columns = [Column(_(h), w) for h, w in zip(PASSWORD_HEADERS, (10, 18, 24, 10, 18), strict=True)]
    note = _("初始密码只此一份，系统不保存明文。请分发给本人，首次登录时须修改。")
    return workbook_bytes([Sheet(_("初始密码"), columns, password_rows(loaded), notes=[note])])


def write_passwords_csv(loaded, out):
    """CSV for the office: UTF-8 with a byte order mark, so Excel opens the Chinese right, and
    no cell that Excel would take for a formula."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_(h) for h in PASSWORD_HEADERS])
    for row in password_rows(loaded):
        writer.writerow([f"'{v}" if v.startswith(FORMULA_PREFIXES) else v for v in row])
