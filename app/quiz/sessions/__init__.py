"""Class sessions: a teacher opens a round for a class with a join code, students join
(by account or birth date), the live board follows them. Blueprint `sessions`."""
