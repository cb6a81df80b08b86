"""Date formats for English: every date-time shown with its time zone (DESIGN §10 "Times").

A clinical record read in one zone and written in another must say which one it means.
"""

DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
TIME_FORMAT = "H:i T"
DATE_FORMAT = "j M Y"
