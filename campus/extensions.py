"""Flask extensions, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from campus.models import Base


def client_address() -> str:
    """The caller's address; ProxyFix has already applied TRUSTED_PROXIES."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)
