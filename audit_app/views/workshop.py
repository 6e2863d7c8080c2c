"""Workshop pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workshop", __name__)
