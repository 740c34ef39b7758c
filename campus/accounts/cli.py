"""flask users ...: create staff accounts, change roles, disable accounts, seed the demo ones."""

from __future__ import annotations

import click

from campus.accounts import queries, services
from campus.accounts.models import Role
from campus.errors import UserError
from campus.extensions import db

DEMO_ACCOUNTS = (
    ("learner@demo.campus", "Dana Learner", Role.LEARNER),
    ("instructor@demo.campus", "Ivy Instructor", Role.INSTRUCTOR),
    ("admin@demo.campus", "Ari Admin", Role.ADMIN),
)
DEMO_PASSWORD = "demo passphrase 2026"  # noqa: S105 - documented demo-only credential


@click.group("users")
def users_cli():
    """Manage accounts."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name as on certificates.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value)
@click.password_option("--password", help="Prompted for when not given.")
def create_user_command(email: str, full_name: str, role: str, password: str) -> None:
    """Create an account (use --role admin or --role instructor for staff)."""
    try:
        user = services.create_user(email, full_name, password, role=Role(role))
    except UserError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def set_role_command(email: str, role: str) -> None:
    """Change an existing account's role."""
    user = queries.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with email {email}")
    services.set_role(None, user, Role(role))
    db.session.commit()
    click.echo(f"{user.email} is now {role}")


@users_cli.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Re-enable instead of disabling.")
def disable_command(email: str, enable: bool) -> None:
    """Disable an account and end all its sessions (or re-enable it)."""
    user = queries.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with email {email}")
    services.set_disabled(None, user, not enable)
    db.session.commit()
    click.echo(f"{user.email} is {'enabled' if enable else 'disabled'}")


@users_cli.command("demo")
def demo_command() -> None:
    """Create the demo accounts listed in the README (idempotent). Demo use only."""
    for email, name, role in DEMO_ACCOUNTS:
        if queries.find_user_by_email(email) is None:
            services.create_user(email, name, DEMO_PASSWORD, role=role)
            click.echo(f"demo {role.value}: {email}")
    db.session.commit()
