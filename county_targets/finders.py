"""A static files finder that serves plotly.js from the installed plotly package.

County networks are often cut off from the internet, so the browser must get plotly.js from us.
Pointing STATICFILES_DIRS at plotly's package_data would also publish its datasets and widget
bundle; this finder exposes the one file we need, as ``plotly/plotly.min.js``.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_JS = "plotly.min.js"
PREFIX = "plotly"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != f"{PREFIX}/{PLOTLY_JS}":
            return [] if find_all else None
        match = str(PLOTLY_DIR / PLOTLY_JS)
        return [match] if find_all else match

    def list(self, ignore_patterns):
        yield PLOTLY_JS, self.storage
