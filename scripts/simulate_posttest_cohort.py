"""Simulate a cohort taking a course's post-test and print the item analysis of its bank.

    .venv/bin/python scripts/simulate_posttest_cohort.py [content/<slug>] [--learners 200]

The course is imported into a throwaway SQLite database (the real importer, the real
migrations), each simulated learner gets a first attempt drawn and laid out as the post-test
draws them (course/assessment/services._layout), answers by a plausible model, and the
analysis runs through the same query the staff page uses (item_analysis_page).

The answer model is a three-parameter logistic (3PL) item response model: a learner of
ability theta ~ N(0, 1) gets item i right with probability
    c_i + (1 - c_i) / (1 + exp(-1.7 a_i (theta - b_i)))
with discrimination a_i ~ U(0.5, 2.0), difficulty b_i ~ N(-1.2, 0.8) (a post-test taken
after the lessons is meant to be passed), and guessing c_i = 1 / choices for one-answer
items, 0.05 for select-all items. A wrong answer picks distractors by an attractiveness
drawn per item from a Dirichlet(0.7): some distractors tempt many, some nearly nobody, as
in real banks. It is a model, not data: it shows what the analysis flags and why, and how
noisy 200 learners are on a 67-item bank of which each attempt draws 30.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", nargs="?", default=str(ROOT / "content/from-pull-out-to-push-in"))
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="campus-sim-") as tmp:
        app = _app(Path(tmp), Path(args.course).resolve().parent)
        with app.app_context():
            course = _import(Path(args.course).resolve())
            # A seeded generator, for a repeatable simulation (no secret is drawn here).
            _simulate(course, args.learners, random.Random(args.seed))  # noqa: S311
            _report(course)
    return 0


def _app(tmp: Path, content_dir: Path):
    from flask_migrate import upgrade

    from campus import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "simulation-only-secret-key-not-for-use",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'sim.sqlite3'}",
            "CONTENT_DIR": str(content_dir),
            "MAIL_DIR": str(tmp / "mail"),
            "MAIL_SERVER": "",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        upgrade()
    return app


def _import(path: Path):
    from sqlalchemy import select

    from campus.extensions import db
    from course.importer.sync_course import import_course
    from course.models import Course

    import_course(path)
    db.session.commit()
    return db.session.scalar(select(Course).where(Course.slug == path.name))


class _Model:
    """One item's parameters in the 3PL model, and how its wrong answers fall."""

    def __init__(self, question, rng: random.Random):
        self.question = question
        self.a = rng.uniform(0.5, 2.0)
        self.b = rng.gauss(-1.2, 0.8)
        self.multi = len(question.correct) > 1
        self.c = 0.05 if self.multi else 1 / len(question.choices)
        keys = set(question.correct)
        self.distractors = [c["id"] for c in question.choices if c["id"] not in keys]
        weights = [rng.gammavariate(0.7, 1) for _ in self.distractors]
        total = sum(weights) or 1.0
        self.pull = [w / total for w in weights]

    def answer(self, theta: float, rng: random.Random) -> list[str]:
        p = self.c + (1 - self.c) / (1 + math.exp(-1.7 * self.a * (theta - self.b)))
        if rng.random() < p:
            return sorted(self.question.correct)
        lure = rng.choices(self.distractors, weights=self.pull)[0]
        if not self.multi:
            return [lure]
        keys = list(self.question.correct)
        if rng.random() < 0.5:  # a select-all item missed: one key left out, or a lure added
            keys.remove(rng.choice(keys))
            return sorted(keys)
        return sorted({*keys, lure})


def _simulate(course, learners: int, rng: random.Random) -> None:
    from sqlalchemy import insert, select

    from campus.accounts.models import User
    from campus.extensions import db
    from campus.models import utcnow
    from course.assessment.models import PostTestAttempt, PostTestQuestion
    from course.assessment.queries import get_assessment

    assessment = get_assessment(course.id)
    questions = db.session.scalars(
        select(PostTestQuestion).where(
            PostTestQuestion.course_id == course.id, PostTestQuestion.is_retired.is_(False)
        )
    ).all()
    models = {q.id: _Model(q, rng) for q in questions}
    draw = assessment.setting("draw") or len(questions)
    db.session.execute(
        insert(User),
        [
            {"email": f"sim{n}@example.com", "full_name": f"Sim {n}", "password_hash": "x"}
            for n in range(learners)
        ],
    )
    ids = db.session.scalars(select(User.id).where(User.email.like("sim%"))).all()
    rows = []
    for user_id in ids:
        theta = rng.gauss(0, 1)
        drawn = rng.sample(questions, min(draw, len(questions)))
        answers = {str(q.id): models[q.id].answer(theta, rng) for q in drawn}
        right = sum(answers[str(q.id)] == sorted(q.correct) for q in drawn)
        rows.append(
            {
                "user_id": user_id,
                "course_id": course.id,
                "number": 1,
                "layout": [
                    {"question": q.id, "choices": [c["id"] for c in q.choices]} for q in drawn
                ],
                "answers": answers,
                "score": right / len(drawn),
                "is_passed": right / len(drawn) >= float(assessment.setting("pass_mark")),
                "submitted_at": utcnow(),
            }
        )
    db.session.execute(insert(PostTestAttempt), rows)
    db.session.commit()


def _report(course) -> None:
    from course.assessment.queries import item_analysis_page

    page = item_analysis_page(course.id)
    items = page.items
    flagged = [r for r in items if r.flags]
    answered = [r.responses for r in items]
    print(f"{course.title}: {len(items)} items, {page.learners} simulated learners")
    print(f"answers per item: min {min(answered)}, max {max(answered)}")
    difficulties = sorted(r.difficulty for r in items if r.difficulty is not None)
    low, mid, high = difficulties[0], difficulties[len(difficulties) // 2], difficulties[-1]
    print(f"difficulty: min {low:.2f}, median {mid:.2f}, max {high:.2f}")
    print(f"items flagged: {len(flagged)} of {len(items)}")
    for kind, count in page.flag_counts.items():
        print(f"  {kind}: {count}")
    print("flagged items:")
    for r in flagged:
        pb = "—" if r.point_biserial is None else f"{r.point_biserial:+.2f}"
        print(f"  {r.item.key:28} p={r.difficulty:.2f} rpb={pb:>5}  {'; '.join(r.flags)}")
    weakest = sorted(
        (o for o in page.objectives if o.share_correct is not None), key=lambda o: o.share_correct
    )[:3]
    print("objectives with the lowest share right:")
    for o in weakest:
        print(f"  {o.share_correct:.0%}  {o.objective[:80]}")


if __name__ == "__main__":
    raise SystemExit(main())
