"""Views of the indicators app, by audience: dashboards (read), reporting (entry and review),
and excel (the meeting summary out, monthly numbers in)."""
