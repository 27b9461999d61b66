"""The student's home (/me): the rounds open to the student, nobody else's; staff have none."""


def test_a_student_sees_the_open_round_of_the_own_school_only(client, login, setup):
    round_, mine, other = setup
    login(mine.user)
    page = client.get("/me").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Tuần 1" in page and "Bắt đầu làm bài" in page
    assert "Trần Thị Bình" not in page
    assert f'action="/rounds/{round_.id}/start"' in page


def test_staff_have_no_student_home_and_a_guest_is_sent_to_log_in(client, login, setup, teacher):
    login(teacher)
    assert client.get("/me").status_code == 404
    client.post("/logout")
    response = client.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
