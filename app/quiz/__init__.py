"""Quizzes, in four sub-packages that share one schema (`models.py`), one set of
access loaders (`access.py`) and the question types (`qtypes/`):

- `banks/`: question banks, their file formats and import, editing, export;
- `contests/`: contests and rounds, draws, ranking, prizes, results, statistics;
- `attempts/`: taking a round: start, answer, submit, deadlines, grading;
- `sessions/`: class sessions: a join code, the live board, birth-date joins.

`cli.py` is the `flask quiz` command group; `demo.py` the demo contest.
"""
