"""Maintenance checks in the Nagios / Monitoring Plugins convention: pure, no I/O.

- `definition`: `console_checks` entries -> `CheckDef` (command or preset), validated
  with the nested key path so the inventory error names the exact line.
- `plugin_output`: exit code + output -> `CheckResult` (status text, long output,
  perfdata), whatever the plugin printed.
- `presets`: POSIX-sh scripts built from shlex-quoted parameters, and the few presets
  whose verdict is computed on the console side (clock_skew, accounts).
- `remote`: the wrapper that bounds a check's run time and output on the host.

The scheduler that runs them lives in `console/fleet/checks.py`.
"""
