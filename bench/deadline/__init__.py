"""The deadline-day bench: its people, its scenario, its figures (run by bench/deadline_day.py)."""
