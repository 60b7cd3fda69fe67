# English pages for a Chinese county: dates read day-month-year with a 24-hour clock, and the
# short forms are ISO dates as the Chinese pages show them (Django's en default would print
# "11/29/2026 6:43 a.m.").
# Amounts keep the comma for thousands and the point for decimals, as in Chinese.
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
