"""A static files finder that serves plotly.js from the installed plotly package.

County networks are often cut off from the internet, so the browser must get plotly.js from us.
Pointing STATICFILES_DIRS at plotly's package_data would also publish its datasets and widget
bundle; this finder exposes the one file we need, as ``plotly/plotly.min.js``.
"""

import re
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


# plotly.js inserts its own stylesheet as <style> elements, which a Content Security Policy
# without 'unsafe-inline' refuses. It skips the insertion when the page already has an element
# with id "plotly.js-style-global" and class "no-inline-styles": our templates link
# static/css/plotly.css that way, and this function writes that file from the bundle's own rules
# (tests/test_production.py checks the file still matches the installed plotly.js).
_PLOTLY_RULES = re.compile(r'(\w+)=(\{"X,X div":.*?\});for\(\w+ in \1\)', re.DOTALL)
_JS_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
_JS_PAIR = re.compile(rf"({_JS_STRING}):({_JS_STRING})")


def plotly_css():
    """The CSS text plotly.js would insert, in the order its insertRule(rule, 0) leaves it."""
    bundle = (PLOTLY_DIR / PLOTLY_JS).read_text(encoding="utf-8")
    found = _PLOTLY_RULES.search(bundle)
    if found is None:
        raise ValueError("plotly.js no longer carries its style rules where expected")
    rules = []
    for selector, body in _JS_PAIR.findall(found.group(2)):
        selector = re.sub(r"^,", " ,", selector[1:-1])
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector} {{{body[1:-1]}}}")
    version = plotly_js_version(bundle)
    header = f"/* plotly.js {version}'s own rules, written by county_targets.finders.plotly_css */"
    return "\n".join([header, *reversed(rules)]) + "\n"


def plotly_js_version(bundle):
    found = re.search(r"plotly\.js v([\d.]+)", bundle[:500])
    return found.group(1) if found else "?"
