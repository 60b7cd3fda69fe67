"""People in: the users workbook, `manage.py load_users` and the upload on the admin's user list."""

import base64
import csv
import zipfile
from io import BytesIO, StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from indicators import people
from indicators.models import Department, User
from indicators.xlsx import ExcelImportError

from .conftest import make_user

ROWS = [
    ("张三", "fgj-zhangsan", "fgj", "填报员", "138 0000 0001"),
    ("李四", "rsj-lisi", "县人力资源和社会保障局", "填报员", ""),
    ("王五", "dcs-wangwu", "", "督查室", "+8613800000003"),
    ("赵六", "ld-zhaoliu", "", "县领导", 13800000004),
]


def workbook(rows=ROWS, edit=None):
    """The blank template, filled in as the office would (``edit`` changes it further)."""
    book = load_workbook(BytesIO(people.users_template_bytes()))
    sheet = book[people.USERS_SHEET]
    for row in rows:
        sheet.append(list(row))
    if edit:
        edit(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(data, name="用户.xlsx"):
    return SimpleUploadedFile(name, data)


def can_log_in(username, password):
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=username, password=password) is not None


def problems(data):
    with pytest.raises(ExcelImportError) as refused:
        people.load_users_file(upload(data))
    return [str(problem) for problem in refused.value.problems]


# --- Loading --------------------------------------------------------------------------------------


def test_a_workbook_creates_each_person_with_role_department_and_phone(report):
    loaded = people.load_users_file(upload(workbook()))
    assert len(loaded.created) == 4
    zhang = User.objects.get(username="fgj-zhangsan")
    assert zhang.last_name == "张三"
    assert zhang.department == Department.objects.get(code="fgj")
    assert zhang.phone == "13800000001"
    assert zhang.is_reporter and not zhang.is_staff
    assert User.objects.get(username="rsj-lisi").department.code == "rsj"
    wang = User.objects.get(username="dcs-wangwu")
    assert wang.is_reviewer and wang.is_staff and wang.department is None
    assert wang.phone == "13800000003"
    zhao = User.objects.get(username="ld-zhaoliu")
    assert zhao.is_leader and zhao.phone == "13800000004"


def test_initial_passwords_are_strong_work_once_and_must_be_changed(report):
    loaded = people.load_users_file(upload(workbook()))
    passwords = {person.username: password for person, password in loaded.created}
    assert len(set(passwords.values())) == 4
    for username, password in passwords.items():
        user = User.objects.get(username=username)
        # Strong as a new account's password (for the saved account it is now its own: reuse).
        validate_password(password, User(username=username))
        assert can_log_in(username, password)
        assert user.must_change_password
        assert password not in user.password  # only the hash is kept


def test_loading_again_updates_people_and_keeps_their_passwords(report):
    loaded = people.load_users_file(upload(workbook()))
    first = {p.username: pw for p, pw in loaded.created}
    changed = [(*ROWS[0][:2], "rsj", "填报员", ""), *ROWS[1:]]
    again = people.load_users_file(upload(workbook(changed)))
    assert (len(again.created), again.updated, again.unchanged) == (0, 1, 3)
    zhang = User.objects.get(username="fgj-zhangsan")
    assert zhang.department.code == "rsj" and zhang.phone == ""
    assert can_log_in("fgj-zhangsan", first["fgj-zhangsan"])


def test_someone_leaving_the_supervision_office_leaves_the_admin(report):
    people.load_users_file(upload(workbook()))
    moved = [(*ROWS[2][:2], "", "县领导", "")]
    people.load_users_file(upload(workbook(moved)))
    wang = User.objects.get(username="dcs-wangwu")
    assert wang.is_leader and not wang.is_reviewer and not wang.is_staff


# --- Refused whole ------------------------------------------------------------------------------


def test_every_problem_is_listed_with_its_place_and_nothing_is_written(report):
    make_user("rsj-lisi")  # exists already, in another case below
    before = User.objects.count()
    rows = [
        ("", "fgj-zhangsan", "fgj", "填报员", ""),  # no name
        ("张三", "fgj zhangsan!", "fgj", "填报员", ""),  # characters a login may not use
        ("李四", "RSJ-LISI", "rsj", "填报员", ""),  # an existing login in another case
        ("王五", "wangwu", "没有这个单位", "填报员", ""),  # unknown department
        ("赵六", "zhaoliu", "", "填报员", ""),  # a reporter without a department
        ("钱七", "qianqi", "fgj", "县领导", ""),  # a leader with a department
        ("孙八", "sunba", "", "局长", ""),  # unknown role
        ("周九", "zhoujiu", "", "县领导", "1380000"),  # a short phone number
        ("吴十", "wangwu", "", "县领导", ""),  # the same login twice
    ]
    found = problems(workbook(rows))
    assert User.objects.count() == before
    expected = [
        "工作表“用户”第2行A列（姓名）：请填写姓名。",
        "工作表“用户”第3行B列（登录名）",
        "工作表“用户”第4行B列（登录名）：已有账号“rsj-lisi”",
        "工作表“用户”第5行C列（所属单位）：没有代码或名称为“没有这个单位”的责任单位。",
        "工作表“用户”第6行C列（所属单位）：填报员须填写所属单位。",
        "工作表“用户”第7行C列（所属单位）：只有填报员属于责任单位",
        "工作表“用户”第8行D列（角色）：角色应为 填报员、督查室 或 县领导。",
        "工作表“用户”第9行E列（手机号）：手机号应为11位数字。",
        "工作表“用户”第10行B列（登录名）：登录名“wangwu”与第5行重复。",
    ]
    for text in expected:
        assert any(problem.startswith(text) for problem in found), (text, found)


def test_an_administrator_is_never_changed_from_a_workbook(report):
    User.objects.create_superuser("root", password="pw-for-tests-1")
    found = problems(workbook([("管理员", "root", "fgj", "填报员", "")]))
    assert any("系统管理员" in problem for problem in found)
    assert User.objects.get(username="root").department is None


def test_formulas_are_refused(report):
    found = problems(workbook([('=HYPERLINK("x")', "a-user", "fgj", "填报员", "")]))
    assert any("不接受公式" in problem for problem in found)


def test_an_empty_template_is_refused(report):
    assert problems(workbook([])) == ["工作表“用户”：工作表中没有用户。"]


def test_a_renamed_csv_is_refused(report):
    found = problems(b"\xe5\xa7\x93\xe5\x90\x8d,login\n")
    assert any("不是Excel工作簿" in problem for problem in found)


def test_a_zip_bomb_is_refused_before_parsing(report, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1000
    assert any("解压后过大" in problem for problem in problems(workbook()))


def test_another_kind_of_workbook_is_refused(report):
    from indicators.setup import report_setup_bytes

    assert problems(report_setup_bytes()) == ["这不是用户导入工作簿（请下载用户导入模板填写）。"]


# --- manage.py load_users ---------------------------------------------------------------------


def test_the_command_prints_the_initial_passwords_once(report, tmp_path):
    path = tmp_path / "users.xlsx"
    path.write_bytes(workbook())
    out = StringIO()
    call_command("load_users", str(path), stdout=out)
    text = out.getvalue()
    assert "Created 4, updated 0, unchanged 0." in text
    line = next(line for line in text.splitlines() if line.startswith("张三\t"))
    _name, username, department, role, password = line.split("\t")
    assert (username, department, role) == ("fgj-zhangsan", "县发展和改革局", "填报员")
    assert can_log_in(username, password)
    again = StringIO()
    call_command("load_users", str(path), stdout=again)
    assert "Created 0, updated 0, unchanged 4." in again.getvalue()
    assert password not in again.getvalue()


def test_the_command_writes_the_passwords_to_a_workbook_or_csv(report, tmp_path):
    path = tmp_path / "users.xlsx"
    path.write_bytes(workbook(ROWS[:2]))
    call_command("load_users", str(path), "-o", str(tmp_path / "pw.xlsx"), stdout=StringIO())
    sheet = load_workbook(tmp_path / "pw.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == people.PASSWORD_HEADERS
    assert can_log_in(rows[1][1], rows[1][4])

    path.write_bytes(workbook(ROWS[2:]))
    call_command("load_users", str(path), "-o", str(tmp_path / "pw.csv"), stdout=StringIO())
    with open(tmp_path / "pw.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(people.PASSWORD_HEADERS)
    assert {row[1] for row in rows[1:]} == {"dcs-wangwu", "ld-zhaoliu"}
    assert all(can_log_in(row[1], row[4]) for row in rows[1:])


def test_the_command_lists_every_problem_and_writes_nothing(report, tmp_path):
    path = tmp_path / "users.xlsx"
    path.write_bytes(workbook([("", "x", "", "局长", "")]))
    with pytest.raises(CommandError) as refused:
        call_command("load_users", str(path), stdout=StringIO())
    assert "(2 problems)" in str(refused.value)
    assert not User.objects.filter(username="x").exists()


def test_the_command_writes_a_blank_template(report, tmp_path):
    path = tmp_path / "blank.xlsx"
    call_command("load_users", str(path), "--template", stdout=StringIO())
    book = load_workbook(path)
    assert book.sheetnames == ["说明", "用户", "_meta"]
    assert [c.value for c in book["用户"][1]] == [*people.HEADERS, *people.OPTIONAL]


# --- The admin upload ---------------------------------------------------------------------------


@pytest.fixture
def office(report):
    return User.objects.create_superuser("t-admin", password="pw-for-tests-1")


def test_the_office_uploads_a_workbook_and_downloads_the_passwords(client, office):
    client.force_login(office)
    listing = client.get(reverse("admin:indicators_user_changelist")).content.decode()
    assert reverse("admin:indicators_user_load") in listing
    response = client.post(reverse("admin:indicators_user_load"), {"file": upload(workbook())})
    assert response.status_code == 200
    # The load is confirmed on a page of its own, which no cache keeps (it carries passwords).
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "已导入用户：新建4个，更新0个，未变0个。" in page
    listed = page.split('id="created-accounts"', 1)[1].split("</table>", 1)[0]
    # The download is the page's own link: the passwords are kept nowhere on the server.
    link = page.split('id="passwords-download" href="', 1)[1].split('"', 1)[0]
    assert link.startswith("data:application/vnd.openxmlformats-officedocument.spreadsheetml")
    data = base64.b64decode(link.split(",", 1)[1])
    rows = list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))
    created = [row for row in rows[1:] if row and row[1]]
    assert len(created) == 4
    assert all(row[1] in listed and row[4] not in page for row in created)
    assert all(can_log_in(row[1], row[4]) for row in created)


def test_loading_the_same_people_again_confirms_and_issues_no_password(client, office):
    client.force_login(office)
    client.post(reverse("admin:indicators_user_load"), {"file": upload(workbook())})
    response = client.post(
        reverse("admin:indicators_user_load"), {"file": upload(workbook())}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("admin:indicators_user_changelist")
    assert "已导入用户：新建0个，更新0个，未变4个。" in response.content.decode()


def test_the_admin_upload_lists_problems_and_writes_nothing(client, office):
    client.force_login(office)
    before = User.objects.count()
    bad = workbook([("张三", "zs", "没有", "填报员", "")])
    response = client.post(reverse("admin:indicators_user_load"), {"file": upload(bad)})
    assert response.status_code == 400
    assert "第2行C列" in response.content.decode()
    assert User.objects.count() == before


def test_the_admin_offers_the_blank_template(client, office):
    client.force_login(office)
    response = client.get(reverse("admin:indicators_user_template"))
    assert response.status_code == 200
    assert zipfile.is_zipfile(BytesIO(response.content))


@pytest.mark.parametrize("persona", ["reviewer", "leader", "fgj"])
def test_only_who_may_add_users_may_load_them(client, db, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    before = User.objects.count()
    response = client.post(reverse("admin:indicators_user_load"), {"file": upload(workbook())})
    # Staff without the permission get 403; others are sent to the admin's login.
    assert response.status_code in (302, 403)
    assert User.objects.count() == before
    assert client.get(reverse("admin:indicators_user_template")).status_code in (302, 403)
