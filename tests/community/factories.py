"""Forum factories: threads and replies written straight through the services."""

from __future__ import annotations

from sqlalchemy import select

from campus.accounts.models import Role
from campus.extensions import db
from community import services
from community.models import Category, Post, Thread
from tests.helpers import make_enrollment, make_user


def category(course, slug: str = "problem-solving") -> Category:
    return db.session.scalar(
        select(Category).where(Category.course_id == course.id, Category.slug == slug)
    )


def learner_in(course, **kwargs):
    user = make_user(Role.LEARNER, **kwargs)
    make_enrollment(user, course)
    return user


def make_thread(
    course,
    author,
    *,
    title: str = "How do I push in?",
    body: str = "Question **body**",
    slug: str = "problem-solving",
    is_question: bool = False,
    **kwargs,
) -> Thread:
    thread = services.start_thread(
        author, course, category(course, slug), title, body, is_question=is_question, **kwargs
    )
    db.session.commit()
    return thread


def add_replies(thread: Thread, authors, count: int, body: str = "A reply with *Markdown*") -> None:
    """Many replies quickly: bypass the rate limit by inserting rows as the service would."""
    body = services.clean_text(body)
    first = thread.post_count + 1
    html = services.render(body)
    for offset in range(count):
        author = authors[offset % len(authors)]
        db.session.add(
            Post(
                thread_id=thread.id,
                author_id=author.id,
                number=first + offset,
                body_source=body,
                body_html=html,
                search_text=body,
            )
        )
    thread.post_count += count
    db.session.commit()


def client_for(app, user):
    """A fresh test client signed in as user."""
    from tests.helpers import login

    client = app.test_client()
    login(client, user)
    return client
