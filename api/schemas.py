"""The API's contract: what each endpoint takes and gives, from which the OpenAPI schema at
/api/v1/schema/ is generated. Rows are plain pydantic models filled from dicts (``reads``), so
a page of 1,000 rows is checked and written as JSON by pydantic-core in one pass.

Figures are JSON numbers in the target's unit; completion and 序时进度 are fractions (1 = 100 %).
Nothing here names a reporter, a draft, a problem (存在问题), a review comment or a 说明.
"""

from django.conf import settings
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

MAX_PAGE = settings.API_MAX_PAGE_SIZE
DEFAULT_PAGE = 100


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(Row):
    detail: str = Field(description="What went wrong, in the interface language.")


class Region(Row):
    id: int
    name: str
    code: str = Field(description="6-digit administrative division code (may be empty).")
    level: str = Field(description="county, city or province (town for a township).")
    parent_id: int | None = Field(description="The region above, when the caller sees it.")


class Report(Row):
    id: int
    region_id: int
    region: str
    year: int
    title: str
    state: str = Field(description="preparing, active, closing or archived.")
    state_label: str
    published_through: int | None = Field(
        description="The last month the office has published to the public (None: none)."
    )


class Section(Row):
    id: int
    report_id: int
    order: int
    name: str


class Target(Row):
    id: int
    report_id: int
    section_id: int
    section: str
    code: str
    name: str
    unit: str
    kind: str = Field(description="cumulative, stock, milestone, ceiling or floor.")
    kind_label: str
    target: float = Field(description="The annual target, in the unit.")
    lead_department_id: int | None
    lead_department: str | None = Field(
        description="The lead department (None where the public page does not show it)."
    )
    source: str = Field(description="The sentence of the report the target comes from.")


class Value(Row):
    target_id: int
    month: int
    value: float = Field(description="The approved figure as of the end of the month.")


class Status(Row):
    target_id: int
    code: str
    month: int = Field(description="The month the target is judged as of.")
    status: str = Field(description="done, on_track, behind, far_behind, no_data or year_end.")
    label: str
    actual: float | None = Field(description="The latest approved figure as of the month.")
    actual_month: int | None = Field(description="The month that figure is of.")
    completion: float | None
    expected: float | None = Field(description="序时进度 as a fraction.")
    gap_points: float | None = Field(description="(completion - expected) x 100.")
    phrase: str = Field(description="The gap to 序时进度 or the margin to the limit, in words.")


class Forecast(Row):
    target_id: int
    code: str
    month: int = Field(description="The month the forecast is made as of.")
    verdict: str = Field(description="likely, at_risk, too_early or not_applicable.")
    label: str
    value: float | None = Field(description="The projected December figure, in the unit.")
    low: float | None
    high: float | None
    completion: float | None = Field(description="The projected completion as a fraction.")
    method: str
    as_of: int | None = Field(description="The month of the latest figure it was made from.")
    phrase: str


def page_of(row):
    """The schema of a page of ``row``s: the rows, how many there are in all, and where the page
    starts."""
    return type(
        f"{row.__name__}Page",
        (Row,),
        {
            "__annotations__": {"count": int, "limit": int, "offset": int, "items": list[row]},
            "__doc__": f"A page of {row.__name__.lower()} rows, with the total count.",
        },
    )


RegionPage = page_of(Region)
ReportPage = page_of(Report)
SectionPage = page_of(Section)
TargetPage = page_of(Target)
ValuePage = page_of(Value)
StatusPage = page_of(Status)
ForecastPage = page_of(Forecast)


# --- What the lists take ------------------------------------------------------------------------


class Paging(Schema):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Rows per page.")
    offset: int = Field(0, ge=0, description="Rows to skip.")


class ReportQuery(Paging):
    report: int | None = Field(
        None,
        description="A report's id (see /reports/). Without it: the caller's own region's "
        "latest report; calls without a token must name one.",
    )


class SectionQuery(ReportQuery):
    pass


class TargetQuery(ReportQuery):
    section: int | None = Field(None, description="Only this section's targets.")


class ValueQuery(TargetQuery):
    month: int | None = Field(None, ge=1, le=12, description="Only this month's figures.")
    target: int | None = Field(None, description="Only this target's figures.")


class StandingQuery(TargetQuery):
    month: int | None = Field(
        None,
        ge=1,
        le=12,
        description="As of this month (default: the report's current month; without a token, "
        "the last published month, the only one given).",
    )
