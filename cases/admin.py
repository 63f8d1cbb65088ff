"""The case admin is registered in meetings/admin.py, beside the public record it changes."""
