"""Pure parsers of /proc files and command output: text in, raw dataclasses out.

Every parser returns a valid value or raises ParseError (parsers/errors.py);
none does I/O, so each is tested on captured texts.
"""
