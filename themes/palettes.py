"""Colour palettes for the console's themes: the only place colours are spelled out.

Every .tcss rule refers to theme variables ($error, $warning, $success, ...), so a
palette here re-colours the whole console. Plain data: the app turns each entry into
a Textual Theme.
"""

PALETTES: dict[str, dict[str, object]] = {
    "opsconsole-night": {
        "primary": "#5fafd7",
        "secondary": "#87afaf",
        "accent": "#d7af5f",
        "warning": "#ffaf00",
        "error": "#ff5f5f",
        "success": "#5fd75f",
        "foreground": "#d0d0d0",
        "background": "#121212",
        "surface": "#1c1c1c",
        "panel": "#262626",
        "dark": True,
        # One colour per host in merged log views (console/widgets/log_view.py).
        "variables": {
            "log-host-0": "#5fafd7", "log-host-1": "#d7875f", "log-host-2": "#87d787",
            "log-host-3": "#d787d7", "log-host-4": "#d7d75f", "log-host-5": "#5fd7d7",
            "log-host-6": "#af87ff", "log-host-7": "#ff8787",
        },
    },
    "opsconsole-day": {
        "primary": "#005f87",
        "secondary": "#5f8787",
        "accent": "#875f00",
        "warning": "#af5f00",
        "error": "#d70000",
        "success": "#008700",
        "foreground": "#1c1c1c",
        "background": "#f5f5f5",
        "surface": "#ffffff",
        "panel": "#e4e4e4",
        "dark": False,
        "variables": {
            "log-host-0": "#005f87", "log-host-1": "#875f00", "log-host-2": "#005f00",
            "log-host-3": "#870087", "log-host-4": "#5f5f00", "log-host-5": "#008787",
            "log-host-6": "#5f00af", "log-host-7": "#af0000",
        },
    },
}

DEFAULT_THEME = "opsconsole-night"
