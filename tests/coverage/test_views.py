"""The coverage dashboard as each viewer reads it: the weekly chart counts what the
viewer may see, the breadcrumb runs from the root, and every rate sits beside its
own label. The province is tests/plugins/province.py."""
import re


def _weekly_total(html):
    match = re.search(r"Cộng dồn đến tuần cuối: ([\d.]+)", html)
    return int(match.group(1).replace(".", "")) if match else 0


def test_a_teacher_s_weekly_chart_counts_only_the_classes_they_see(client, login, make_user, make_class,
                                                                 make_student, tree, province, db, YEAR, answer_round):
    """School A has 3 participants in 10A1. The teacher has 11A1 (nobody yet) and a
    new 12A1 where one student took part: the chart counts 1, not the school's 4."""
    from app.org.services import set_class_teachers
    c12 = make_class(tree.school_a, "12A1", year=YEAR)
    answer_round(make_student(c12, "Học sinh 12A1 0"), province.round, (True, True), province.early)
    make_student(c12, "Học sinh 12A1 1")
    teacher = make_user("teacher", tree.school_a)
    set_class_teachers(None, province.classes["11A1"], [teacher])
    set_class_teachers(None, c12, [teacher])
    login(teacher)
    html = client.get(f"/coverage/units/{tree.school_a.id}?contest={province.contest.id}").get_data(as_text=True)
    assert "10A1" not in html and "12A1" in html and "11A1" in html
    assert _weekly_total(html) == 1
    login(make_user("school_admin", tree.school_a))
    html = client.get(f"/coverage/units/{tree.school_a.id}?contest={province.contest.id}").get_data(as_text=True)
    assert _weekly_total(html) == 4


def test_the_breadcrumb_runs_from_the_so_down_to_the_school(client, login, make_user, tree, province, db):
    login(make_user("department", tree.so))
    html = client.get(f"/coverage/units/{tree.school_a.id}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="crumbs">(.*?)</nav>', html, re.S).group(1)
    names = [re.sub(r"<[^>]+>", "", part).strip() for part in crumbs.split("›")]
    assert names == ["Sở GD&amp;ĐT Thử nghiệm", "Cụm A", "Trường THPT A"]


def _bar_cell(html, name):
    row = re.search(rf"<tr[^>]*>\s*<td><a [^>]*>{re.escape(name)}</a>.*?</tr>", html, re.S).group(0)
    return re.search(r'<td class="bar-col">(.*?)</td>', row, re.S).group(1)


def test_each_rate_beside_the_bar_is_labelled_with_what_it_counts(client, login, make_user, make_unit, make_class,
                                                                   make_student, tree, province, db, YEAR, answer_round):
    """Cụm A gets a THCS school where both students took part: overall 5 of 8 (62,5 %),
    THPT (the stage with a target) 3 of 6 (50 %). The bar shows 50 % against the 80 %
    target, so the label beside it says THPT 50,0 %; the overall 62,5 % is labelled as
    the overall rate."""
    thcs = make_unit("school", "Trường THCS D", parent=tree.cluster_a, code="TD", level="THCS")
    c9 = make_class(thcs, "9D1", year=YEAR)
    for i in range(2):
        answer_round(make_student(c9, f"Học sinh 9D1 {i}"), province.round, (True, True), province.early)
    login(make_user("department", tree.so))
    html = client.get(f"/coverage/units/{tree.so.id}?contest={province.contest.id}").get_data(as_text=True)
    cell = _bar_cell(html, "Cụm A")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
    assert text == "Chung 62,5 % THPT 50,0 %"
    bar = re.search(r'class="bar"[^>]*aria-label="([^"]+)".*?bar-fill[^"]*" style="width: ([\d.]+)%', cell, re.S)
    assert bar.group(1) == "THPT 50,0\u00a0%, mục tiêu 80\u00a0%" and float(bar.group(2)) == 50
    # a row of one stage only: its one rate is the bar's, with no second label
    cell = _bar_cell(html, "Cụm B")
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() == "20,0 %"
    # a row without a target: its bar is the overall rate
    cell = _bar_cell(html, "Trường THCS C")
    assert 'aria-label="66,7\u00a0%"' in cell and "width: 66.66" in cell


def test_rates_are_kept_on_one_line(client, login, make_user, tree, province, db):
    """"50,0 %" must not break between the number and the sign in a narrow column:
    a no-break space inside a span the stylesheet keeps on one line."""
    login(make_user("department", tree.so))
    html = client.get(f"/coverage/units/{tree.so.id}?contest={province.contest.id}").get_data(as_text=True)
    body = html[html.index("<main"):]
    assert not re.search(r"\d %", body)
    text = re.sub(r"<[^>]+>", "", body)
    rates = re.findall(r"\d\u00a0%", text)
    assert len(rates) >= 10
    assert len(re.findall(r'<span class="pct">[\d,]+\u00a0%</span>', body)) == len(rates)


def test_the_reports_can_carry_the_signer_s_name(client, login, make_user, tree, province, db):
    login(make_user("department", tree.so))
    html = client.get(f"/coverage/units/{tree.so.id}?contest={province.contest.id}").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/coverage/units/\d+/report.pdf".*?</form>', html, re.S).group(0)
    assert 'name="signer"' in form and f'name="contest" value="{province.contest.id}"' in form
    assert f'formaction="/coverage/units/{tree.so.id}/report.xlsx"' in form
