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
    },
}

DEFAULT_THEME = "opsconsole-night"
