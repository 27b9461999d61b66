"""Creative contests: poster, model and video entries, their files, school approval,
blind judging, results and the public gallery."""
