"""The app with one route that never finishes, for the worker-timeout test (served by gunicorn)."""
import time

from directory import create_app

app = create_app()


@app.get("/checklists/<token>/stuck")
def stuck(token: str) -> str:
    """Outlive any worker timeout."""
    time.sleep(60)
    return token
