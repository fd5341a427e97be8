"""The one exception type the toolkit reports to users."""


class ToolkitError(Exception):
    """A failure with a message meant for the user (no traceback needed)."""
