"""Numbers as people type them, as inputs show them, and as pages print them: one parser, one
plain writer, and the display writers every page, workbook, message and bulletin uses
(`amount`, `percent`, `points`; the templates' filters of the same names are these).

Every number that comes in (the monthly form, the Excel imports, the set-up and register
workbooks) goes through `parse`; every number an input or a template cell shows for editing is
written by `plain`. What `plain` writes, `parse` accepts unchanged, so a stored value saved again
as displayed is the same value.

Understood: full-width digits and punctuation (１２３，４５６．７), spaces around the number, a
leading sign (including the typographic minus −), and thousands separators (commas or spaces)
where they group by three (1,500 and 1 234 567.5; "1,5", "0,500" and "12 34" are refused rather
than guessed). Refused, with a message a clerk can act on: units and words (500万, 4.5%, 约100),
superscripts and circled digits, NaN, infinity, hexadecimal and exponents.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

# After normalising: an optional sign, digits grouped by commas or not, an optional fraction.
_PLAIN = re.compile(r"[+-]?(\d+|[1-9]\d{0,2}(,\d{3})+)(\.\d+)?|[+-]?\.\d+", re.ASCII)
# Full-width digits and punctuation as Chinese input methods type them, and the minus signs
# of word processors; nothing else is translated (NFKC would turn "10²" into 102).
_WIDE = str.maketrans(
    {
        **{chr(0xFF10 + n): str(n) for n in range(10)},
        "，": ",",
        "．": ".",
        "－": "-",
        "＋": "+",
        "−": "-",
        "﹣": "-",
        "\u3000": " ",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
# A space may separate thousands (1 500), as some spreadsheets print them.
_SPACED = re.compile(r"[+-]?[1-9]\d{0,2}( \d{3})+(\.\d+)?", re.ASCII)

NOT_A_NUMBER = _("请只填写数字，不要带单位或文字（如“万元”“%”“约”）。")
BAD_COMMAS = _("千分位分隔符的位置不对：请写成 1,500 或 1500。")


def parse(text):
    """The Decimal a clerk meant by ``text``; None for blank. Raises ValueError(message)."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise ValueError(str(NOT_A_NUMBER))
        return text
    text = str(text).translate(_WIDE).strip()
    if not text:
        return None
    if _SPACED.fullmatch(text):
        text = text.replace(" ", "")
    if not _PLAIN.fullmatch(text):
        if re.fullmatch(r"[+-]?[\d, ]+(\.\d+)?", text, re.ASCII):
            raise ValueError(str(BAD_COMMAS))
        raise ValueError(str(NOT_A_NUMBER))
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise ValueError(str(NOT_A_NUMBER)) from None


def plain(value):
    """A number written plainly for an input or a message: 1239, 1239.5, 0.0001 (no separators,
    no trailing zeros, never an exponent); "" for None."""
    if value is None or value == "":
        return ""
    # A float through str(): 0.1 is "0.1", not its binary expansion.
    text = format(Decimal(str(value)) if isinstance(value, float) else Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class NumberField(forms.DecimalField):
    """A DecimalField that reads numbers with `parse` and shows them with `plain`.

    Django's own field localises what it shows (1,239.0000 under USE_THOUSAND_SEPARATOR) and
    then refuses that text when it comes back; this one shows what it accepts.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        return number

    def prepare_value(self, value):
        if isinstance(value, Decimal | int | float):
            return plain(value)
        return value

    def widget_attrs(self, widget):
        # DecimalField adds step="any" for NumberInput; a text input takes no such attribute.
        return {}


# --- Numbers written for people to read ----------------------------------------------------------
DASH = "—"


def amount(value, places=2, *, grouped=True):
    """At most ``places`` decimals without needless trailing zeros, thousands grouped with
    commas: 1,500 / 392.73 / 5.6 ("—" for no value): tables, sentences and messages alike
    (低于目标1,500户). ``grouped=False`` only where a chart labels its points."""
    if value is None or value == "":
        return DASH
    value = Decimal(value).quantize(Decimal(1).scaleb(-int(places)))
    text = f"{value:{',' if grouped else ''}.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(fraction, places=1):
    """A fraction as a percentage: Decimal("0.756") -> 75.6% ("—" for no value)."""
    if fraction is None:
        return DASH
    return f"{Decimal(fraction) * 100:.{int(places)}f}%"


def points(value):
    """Percentage points with one decimal, without a trailing .0: 13.8, 12, 0."""
    text = f"{Decimal(value):.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text
