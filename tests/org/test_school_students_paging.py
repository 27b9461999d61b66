"""The students of a school, a hundred a page, through the one pager macro."""


def test_the_school_students_page_through_the_pager(client, login, tree, make_user, make_class, make_student, db):
    school_class = make_class(tree.school_a)
    for n in range(101):
        make_student(school_class, full_name=f"Học Sinh Số {n:03d}")
    login(make_user("school_admin", tree.school_a))
    first = client.get(f"/schools/{tree.school_a.id}/students").get_data(as_text=True)
    assert "Trang 1/2 · 101 học sinh" in first and "page=2" in first
    assert "Học Sinh Số 000" in first and "Học Sinh Số 100" not in first
    second = client.get(f"/schools/{tree.school_a.id}/students?page=2").get_data(as_text=True)
    assert "Trang 2/2" in second and "Học Sinh Số 100" in second and "Học Sinh Số 000" not in second
    assert "<td class=\"num\">101</td>" in second  # numbering goes on from the first page
