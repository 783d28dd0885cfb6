"""English as it is read in Belgium and the Netherlands: day before month and
a 24-hour clock ("20/01/2014 20:00", not "01/20/2014, 8 p.m."). Django's own
English formats are American; the other languages keep Django's formats.
"""

DATE_FORMAT = "j F Y"  # 20 January 2014
TIME_FORMAT = "H:i"  # 20:00
DATETIME_FORMAT = "j F Y, H:i"  # 20 January 2014, 20:00
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"  # 20/01/2014
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 20/01/2014 20:00
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 20/01/2014
    "%d/%m/%y",  # 20/01/14
    "%d-%m-%Y",  # 20-01-2014
    "%d.%m.%Y",  # 20.01.2014
    "%Y-%m-%d",  # 2014-01-20 (what date inputs send)
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # datetime-local inputs
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
