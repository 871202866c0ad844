"""/about: a static page that explains the directory."""
from flask import Blueprint, render_template

bp = Blueprint("about", __name__)


@bp.get("/about")
def index() -> str:
    """What the directory is, that sample listings are fictional, and the open data download."""
    return render_template("about/index.html")
