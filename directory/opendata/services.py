"""The public open-data download: the HSDS export of published listings as one zip file."""
from __future__ import annotations

import io
import zipfile

from directory.opendata.export import export_files

ZIP_NAME = "hsds.zip"


def hsds_zip() -> bytes:
    """The HSDS CSV tables and hsds.json of every published listing, zipped.

    Only what the export writes is in it: published listings' public fields, never a private
    contact address, token or moderation note.
    """
    files, _ = export_files()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()
