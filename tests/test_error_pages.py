"""403, 404 and 500 pages: styled, in the interface language, with a way back."""

from django.test import RequestFactory
from django.views.defaults import server_error


def test_a_missing_page_is_explained_in_chinese_with_a_way_home(client, fgj):
    client.force_login(fgj)
    response = client.get("/indicators/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "返回我的首页" in page
    assert 'href="/start/"' in page
    assert "css/site.css" in page


def test_a_refused_page_is_explained_in_chinese_with_a_way_home(client, leader):
    client.force_login(leader)
    response = client.get("/review/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "没有权限查看此页" in page and 'href="/"' in page
    assert "Forbidden" not in page


def test_a_server_error_page_needs_nothing_but_itself(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错了" in page and 'href="/"' in page and "css/site.css" in page
