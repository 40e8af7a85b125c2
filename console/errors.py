"""Errors a user can act on.

Anything raised as a `UserError` reaches the terminal as one line and exit status 2,
never as a traceback: the message itself must name the file, key, host or command.
"""


class UserError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""

    exit_status = 2
