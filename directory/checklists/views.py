"""Interview checklists: fill in, save privately, print, compare and export."""
from flask import Blueprint

from directory.checklists import models  # noqa: F401  (the tables belong to this feature)

bp = Blueprint("checklists", __name__)
