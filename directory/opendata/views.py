"""/open-data/hsds.zip: the directory's published listings as HSDS 3.0 open data."""
from flask import Blueprint, Response

from directory.extensions import limiter
from directory.opendata.services import ZIP_NAME, hsds_zip

bp = Blueprint("opendata", __name__, url_prefix="/open-data")
# Each download builds the export afresh (a fraction of a second for the sample data): plenty for people,
# too little to keep a worker busy.
DOWNLOAD_LIMIT = "10 per minute"


@bp.get(f"/{ZIP_NAME}")
@limiter.limit(DOWNLOAD_LIMIT)
def hsds_download() -> Response:
    """The zip, built from the database as it is now."""
    return Response(
        hsds_zip(),
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename={ZIP_NAME}", "Cache-Control": "public, max-age=3600"},
    )
