"""A bare Flask app returning a fixed small page: what the benchmark compares the directory's pages with."""
from flask import Flask

app = Flask(__name__)

PAGE = "<!doctype html><html lang=en><title>Hello</title><p>Hello from a bare Flask app.</p></html>"


@app.get("/")
def hello() -> str:
    """The fixed page."""
    return PAGE
