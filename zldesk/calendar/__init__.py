"""China's statutory calendar: days off, make-up workdays (调休上班), where each fact came from, and the
cache that keeps the computed years on disk. The bottom of the house: it imports no other zldesk package."""

from .statutory import HOLIDAY, MAKEUP, WEEKEND, WORKDAY, ChinaCalendar, Day, weekday_name

__all__ = ["HOLIDAY", "MAKEUP", "WEEKEND", "WORKDAY", "ChinaCalendar", "Day", "weekday_name"]
