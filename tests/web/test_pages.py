"""Server-rendered pages: Chinese, the seeds' figures with their sources, Chinese error pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import needs_seeds


def _card(html: str, name: str) -> str:
    match = re.search(rf'<article class="card" data-programme="{name}">(.*?)</article>', html, re.S)
    assert match, f"no card for {name}"
    return match.group(1)


def test_dashboard_shows_programme_cards_with_real_figures(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN">' in html
    assert "1.18亿元" in _card(html, "援疆")
    assert "8970万元" in _card(html, "苏陕协作")
    assert "按时足额到位" in _card(html, "援青")
    assert 'id="funds-chart"' in html and "/static/vendor/echarts.min.js" in html
    assert "https://" not in html.split("<body>")[1]  # nothing loads from the internet


@needs_seeds
def test_dashboard_table_shows_source_sentence_with_the_figure_marked(client: TestClient) -> None:
    html = client.get("/").text
    marked = re.findall(r"<q class=\"sentence\">[^<]*<mark>([^<]+)</mark>", html)
    assert marked and all(figure.strip() for figure in marked)
    assert re.search(r"第\d+–\d+字", html)
    # a 科技 figure known by description (the city's loans and firms are now records' summary rows)
    assert "（仅有描述，无原文）" in client.get("/values", params={"q": "申报高新技术企业"}).text


def test_every_page_has_a_json_twin(client: TestClient) -> None:
    for path in ("/", "/programmes", "/programmes/1", "/values"):
        html = client.get(path).text
        twin = re.search(r'<a class="json" href="([^"]+)"', html)
        assert twin, path
        assert client.get(twin.group(1).replace("&amp;", "&")).status_code == 200


def test_programme_page_lists_values_and_projects(client: TestClient) -> None:
    html = client.get("/programmes/1").text
    assert "对口支援新疆奎屯市" in html and "半导体石英坩埚项目" in html and "1.6亿元" in html


def test_unknown_ids_get_a_chinese_404_page(client: TestClient) -> None:
    for path in ("/programmes/99999", "/programmes/abc", "/no-such-page"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "404" in r.text and "返回首页" in r.text


def test_static_assets_are_served_from_the_package(client: TestClient) -> None:
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_year_without_data_shows_an_empty_dashboard(client: TestClient) -> None:
    r = client.get("/", params={"year": 2001})
    assert r.status_code == 200
    assert "暂无数据" in r.text and "1.18亿元" not in r.text
