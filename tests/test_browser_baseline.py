"""The browser baseline (issue 21): officials' 信创 desks run browsers that report Chrome 90.

`make lint` runs stylelint and eslint against package.json's browserslist ("chrome >= 90"). Here
the linters are shown to catch what Chrome 90 lacks (on small texts given on stdin under a name
in static/, so the project's own configuration applies) and to pass our files. A real Chromium
then draws the charts with the language methods Chrome 90 lacks taken away, the part of plotly.js
no linter can judge: the bundle calls some of them, in code we never run (eslint.config.js).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from indicators.demo import PASSWORD
from indicators.models import Department, Indicator, Section
from reporting import demo

from .conftest import make_user

ROOT = Path(settings.BASE_DIR)
BIN = ROOT / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def node():
    """The linters as `make lint` runs them, or a skip with the reason (a failure under CI)."""
    if not shutil.which("node"):
        message = "Node.js is not installed (apt-get install nodejs npm)"
    elif not (BIN / "eslint").exists() or not (BIN / "stylelint").exists():
        message = "the linters are not installed: run `make lint` (npm ci)"
    else:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def lint(tool, *args, text=None):
    return subprocess.run(
        [str(BIN / tool), *args], cwd=ROOT, input=text, capture_output=True, text=True, timeout=120
    )


def eslint_problems(text, name="static/js/probe.js"):
    """{line: rule ids} that eslint reports for ``text`` linted as the file ``name``."""
    result = lint("eslint", "--format", "json", "--stdin", "--stdin-filename", name, text=text)
    assert result.returncode in (0, 1), result.stderr
    problems = {}
    for message in json.loads(result.stdout)[0]["messages"]:
        problems.setdefault(message["line"], set()).add(message["ruleId"] or message["message"])
    return problems


# Each line uses one thing Chrome 90 lacks (the version that brought it, from MDN).
NEWER_THAN_CHROME_90 = {
    "var last = [1, 2].at(-1);": "es-x/no-array-prototype-at",  # 92
    'var own = Object.hasOwn({}, "x");': "es-x/no-object-hasown",  # 93
    "var copy = structuredClone({ a: 1 });": "compat/compat",  # 98
    "class Counter { static { this.start = 0; } }": "es-x/no-class-static-block",  # 94
    "class Box { #v = 1; static holds(o) { return #v in o; } }": "es-x/no-private-in",  # 91
    'var e = new Error("x", { cause: last });': "es-x/no-error-cause",  # 93
    "var found = [1].findLast(function (x) { return x; });": (
        "es-x/no-array-prototype-findlast-findlastindex"  # 97
    ),
    "var groups = Object.groupBy([1], String);": "es-x/no-object-groupby",  # 117
}

# What Chrome 90 has, up to ES2022's class fields and private methods: none of it may be refused.
CHROME_90_HAS = """
var a = null;
a ??= 1;
a ||= 2;
var big = 1_000_000n;
var text = "a-b".replaceAll("-", "+");
Promise.any([Promise.resolve(a)]).then(function () {});
class Field {
  x = 1; static y = 2; #z = 3;
  #get() { return this.#z; }
  read() { return this.#get(); }
}
var m = /(?<year>\\d{4})/d.exec("2023");
var s = new AbortController().signal;
document.querySelector("a")?.closest("nav");
"""


def test_eslint_refuses_each_language_feature_and_api_newer_than_chrome_90(node):
    lines = list(NEWER_THAN_CHROME_90)
    problems = eslint_problems("\n".join(lines) + "\n")
    for number, line in enumerate(lines, start=1):
        assert NEWER_THAN_CHROME_90[line] in problems.get(number, set()), (line, problems)


def test_eslint_refuses_syntax_after_es2022_at_parse_time(node):
    problems = eslint_problems('var unicodeSets = /[\\p{L}--[a-z]]/v.test("x");\n')
    assert problems and "Parsing error" in next(iter(problems[1]))


def test_eslint_lets_through_what_chrome_90_has(node):
    assert eslint_problems(CHROME_90_HAS) == {}


def test_our_javascript_keeps_to_chrome_90(node):
    result = lint("eslint", "static/js")
    assert result.returncode == 0, result.stdout + result.stderr


def test_plotly_bundle_check_refuses_syntax_chrome_90_cannot_parse(node):
    # make lint passes plotly.js's bundle under this name: syntax is what would stop the whole
    # file loading, while methods are left to the browser test below.
    name = "plotly/plotly.min.js"
    assert eslint_problems("class K { static { this.a = 1; } }\n", name) == {
        1: {"es-x/no-class-static-block"}
    }
    assert eslint_problems("function f(o) { return [o].at(-1); }\n", name) == {}


def stylelint_problems(text):
    result = lint(
        "stylelint", "--formatter", "json", "--stdin-filename", "static/css/probe.css", text=text
    )
    assert result.returncode in (0, 2), result.stderr
    found = json.loads(result.stdout or result.stderr)[0]["warnings"]
    return {warning["line"]: warning["text"] for warning in found}


def test_stylelint_refuses_css_newer_than_chrome_90(node):
    problems = stylelint_problems(
        ".a:has(b) { color: red; }\n"  # Chrome 105
        "@container (min-width: 30rem) { .b { color: red; } }\n"  # 105
        "thead { position: sticky; top: 0; }\n"  # sticky thead and tr: 91
    )
    assert '"css-has" is not supported by Chrome 90' in problems[1]
    assert '"css-container-queries" is not supported by Chrome 90' in problems[2]
    assert '"css-sticky" is only partially supported by Chrome 90' in problems[3]


def test_stylelint_lets_through_what_chrome_90_has(node):
    # inset (Chrome 87), aspect-ratio (88), flex gap (84), :focus-visible (86), :is() (88)
    text = ".a { inset: 0; aspect-ratio: 16 / 9; display: flex; gap: 1rem; }\n"
    text += ":is(.b, .c):focus-visible { outline: 2px solid; }\n"
    assert stylelint_problems(text) == {}


def test_our_css_keeps_to_chrome_90(node):
    result = lint("stylelint", "static/css/**/*.css")
    assert result.returncode == 0, result.stdout + result.stderr


# --- plotly.js and our scripts without what Chrome 90 lacks --------------------------------------
# Syntax is the linters' part; a method newer than Chrome 90 breaks only the code that calls it.
# So the browser loses every built-in method Chrome 90 lacks before any script runs, and each
# page must still run its scripts without an error and draw every chart it embeds.
REMOVE_NEWER_BUILTINS = """
(() => {
  const typed = Object.getPrototypeOf(Int8Array.prototype);
  const gone = [
    [Array.prototype, ["at", "findLast", "findLastIndex", "toReversed", "toSorted",
                       "toSpliced", "with"]],
    [typed, ["at", "findLast", "findLastIndex", "toReversed", "toSorted", "with"]],
    [String.prototype, ["at", "isWellFormed", "toWellFormed"]],
    [Object, ["hasOwn", "groupBy"]],
    [Map, ["groupBy"]],
    [Promise, ["withResolvers"]],
    [Array, ["fromAsync"]],
    [ArrayBuffer.prototype, ["resize", "transfer", "transferToFixedLength"]],
    [Set.prototype, ["union", "intersection", "difference", "symmetricDifference",
                     "isSubsetOf", "isSupersetOf", "isDisjointFrom"]],
    [window, ["structuredClone", "VideoFrame"]],
    [crypto, ["randomUUID"]],
  ];
  for (const [owner, names] of gone) {
    for (const name of names) delete owner[name];
  }
})();
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_and_scripts_run_without_the_methods_chrome_90_lacks(visit, report):
    demo.load_demo()
    visit.page.context.add_init_script(REMOVE_NEWER_BUILTINS)
    visit.login("leader", PASSWORD)
    section = Section.objects.filter(report=report).order_by("order").first()
    indicator = Indicator.objects.get(report=report, code="UC-07")
    period = "?year=2023&month=9"
    drawn = {}
    for path in [
        "/" + period,
        reverse("reporting:section", args=[section.pk]) + period,
        reverse("reporting:indicator", args=[indicator.pk]) + period,
        reverse("reporting:screen") + period,
        reverse("projects:investment") + period,
    ]:
        visit.goto(path)
        visit.page.wait_for_load_state("networkidle")
        assert visit.page.evaluate("[[].at, Object.hasOwn, window.structuredClone]") == [
            None,
            None,
            None,
        ]
        embedded = visit.page.locator("script[data-chart]").count()
        drawn[path] = visit.page.locator(".js-plotly-plot .main-svg").count() >= embedded > 0
    assert all(drawn.values()), drawn
    assert visit.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_monthly_form_scripts_run_without_the_methods_chrome_90_lacks(visit, report):
    make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    visit.page.context.add_init_script(REMOVE_NEWER_BUILTINS)
    visit.login("fgj")
    visit.goto(reverse("reporting:monthly-form", args=[2023, 9]))
    assert "填写 0/2" in visit.page.inner_text("#fill-count")
    visit.page.locator("tr.editable input.value-input").first.fill("85")
    assert "填写 1/2" in visit.page.inner_text("#fill-count")  # monthly_form.js counted it
    assert visit.console_errors == []
