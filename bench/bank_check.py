"""How long the bank checker takes, against reading the same questions from their files.

The checker runs on every import preview and, once per change of the bank, on the bank
page, so it should cost about what reading the file costs, and grow about linearly with
the bank (pairs of questions are compared only when they share an uncommon word pair).

  baseline  parsing the shipped YAML files (quizzes/*.yaml), measured in the same run;
  check     app.quiz.banks.check.check_questions on those questions;
  scaled    the checker on a bank of --size questions made from the shipped ones with
            generated stems (each stem a fresh draw of the bank's own words), against
            parsing the same number of questions (the baseline times size / shipped).

Prints each figure (median of --repeat runs) and its ratio to the baseline, then one
line of JSON. Usage: .venv/bin/python bench/bank_check.py [--size 5000] [--repeat 3]
"""
import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.quiz.banks.check import check_questions  # noqa: E402
from app.quiz.banks.formats import parse  # noqa: E402

QUIZZES = Path(__file__).resolve().parent.parent / "quizzes"


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def read_shipped():
    questions = []
    for path in sorted(QUIZZES.glob("*.yaml")):
        questions.extend(parse(path.read_bytes(), "yaml"))
    return questions


def scaled_bank(questions, size, seed=1588):
    rng = random.Random(seed)
    vocabulary = " ".join(q["text"] for q in questions).split()
    bank = []
    for i in range(size):
        q = dict(questions[i % len(questions)])
        q["text"] = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(10, 30))) + "?"
        q["key"] = f"sinh-{i}"
        bank.append(q)
    return bank


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    baseline, questions = timed(read_shipped, args.repeat)
    check, report = timed(lambda: check_questions(questions), args.repeat)
    bank = scaled_bank(questions, args.size)
    scaled, _ = timed(lambda: check_questions(bank), args.repeat)
    scaled_baseline = baseline * args.size / len(questions)
    print(f"shipped bank: {len(questions)} questions, {report.warnings} warnings")
    print(f"baseline (parse the files): {baseline * 1000:.0f} ms")
    print(f"check: {check * 1000:.0f} ms, {check / baseline:.2f}x the baseline")
    print(f"{args.size} questions: {scaled * 1000:.0f} ms, {scaled / scaled_baseline:.2f}x parsing as many "
          f"({scaled_baseline * 1000:.0f} ms)")
    print(json.dumps({"questions": len(questions), "baseline_ms": round(baseline * 1000),
                      "check_ms": round(check * 1000), "check_ratio": round(check / baseline, 2),
                      "size": args.size, "scaled_ms": round(scaled * 1000),
                      "scaled_ratio": round(scaled / scaled_baseline, 2)}))


if __name__ == "__main__":
    main()
