"""Light, dark and system appearance: a Fusion palette plus a small style sheet.

Fusion renders the same on every platform and honours the palette fully, so light and dark
look deliberate everywhere (and under Xvfb for the screenshots).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel

LIGHT = {
    "window": "#f6f5f2", "base": "#ffffff", "alt": "#efede8", "text": "#1f1d1a", "muted": "#6b665e",
    "accent": "#c2571a", "accent_text": "#ffffff", "border": "#dcd8d0", "user_bubble": "#f1e6dc",
    "bot_bubble": "#ffffff", "code": "#f3f1ec", "local": "#2e7d32", "cloud": "#1565c0",
    "banner": "#fff4e5", "banner_border": "#f0b46a", "selection": "#f3d9c6",
    "indicator": "#6b665e", "warning": "#b3261e",
}
DARK = {
    "window": "#1e1d1b", "base": "#262523", "alt": "#2d2b28", "text": "#ece9e4", "muted": "#a39e95",
    "accent": "#e0793b", "accent_text": "#1a1a1a", "border": "#3a3834", "user_bubble": "#3a2f27",
    "bot_bubble": "#2a2927", "code": "#1a1918", "local": "#81c784", "cloud": "#64b5f6",
    "banner": "#3d2e1c", "banner_border": "#a8703a", "selection": "#5a3b26",
    "indicator": "#c9c4bb", "warning": "#f28b82",
}

_current: dict[str, str] = LIGHT


def colors() -> dict[str, str]:
    """The colours of the theme in use (widgets that paint themselves read these)."""
    return _current


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    try:
        return hints.colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # very old Qt
        return False


def resolve(theme: str) -> str:
    if theme == "system":
        return "dark" if system_is_dark() else "light"
    return theme


def _palette(c: dict[str, str]) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, QColor(c["window"]))
    p.setColor(role.WindowText, QColor(c["text"]))
    p.setColor(role.Base, QColor(c["base"]))
    p.setColor(role.AlternateBase, QColor(c["alt"]))
    p.setColor(role.Text, QColor(c["text"]))
    p.setColor(role.Button, QColor(c["alt"]))
    p.setColor(role.ButtonText, QColor(c["text"]))
    p.setColor(role.Highlight, QColor(c["accent"]))
    p.setColor(role.HighlightedText, QColor(c["accent_text"]))
    p.setColor(role.ToolTipBase, QColor(c["base"]))
    p.setColor(role.ToolTipText, QColor(c["text"]))
    p.setColor(role.PlaceholderText, QColor(c["muted"]))
    p.setColor(role.Link, QColor(c["accent"]))
    p.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c["muted"]))
    p.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c["muted"]))
    return p


def _style_sheet(c: dict[str, str]) -> str:
    return f"""
    QWidget {{ font-size: 10pt; }}
    #Sidebar {{ background: {c['alt']}; border-right: 1px solid {c['border']}; }}
    #Sidebar QListView {{ background: transparent; border: none; }}
    #Sidebar QListView::item {{ padding: 6px 8px; border-radius: 6px; }}
    #Sidebar QListView::item:selected {{ background: {c['selection']}; color: {c['text']}; }}
    #ChatScroll, #ChatArea {{ background: {c['window']}; border: none; }}
    #Bubble_user {{ background: {c['user_bubble']}; border-radius: 10px; }}
    #Bubble_assistant {{ background: {c['bot_bubble']}; border: 1px solid {c['border']}; border-radius: 10px; }}
    #CodeBlock {{ background: {c['code']}; border: 1px solid {c['border']}; border-radius: 6px; }}
    #CodeBlock QLabel {{ font-family: monospace; }}
    #Badge_local {{ color: {c['local']}; border: 1px solid {c['local']}; border-radius: 8px; padding: 0 6px; }}
    #Badge_cloud {{ color: {c['cloud']}; border: 1px solid {c['cloud']}; border-radius: 8px; padding: 0 6px; }}
    #Muted {{ color: {c['muted']}; }}
    #Composer {{ background: {c['base']}; border: 1px solid {c['border']}; border-radius: 10px; padding: 6px; }}
    #Banner {{ background: {c['banner']}; border: 1px solid {c['banner_border']}; border-radius: 8px; }}
    #PrimaryButton {{ background: {c['accent']}; color: {c['accent_text']}; border: none;
                      border-radius: 8px; padding: 6px 14px; font-weight: 600; }}
    #PrimaryButton:disabled {{ background: {c['border']}; color: {c['muted']}; }}
    QToolButton#Link {{ border: none; color: {c['accent']}; }}
    QStatusBar {{ color: {c['muted']}; }}
    #Warning {{ color: {c['warning']}; }}
    #Why {{ color: {c['muted']}; font-size: 9pt; }}
    #ChatNote {{ color: {c['text']}; background: {c['alt']}; border-radius: 6px; padding: 4px 6px; }}
    #KeyCap {{ font-family: monospace; color: {c['text']}; background: {c['alt']};
               border: 1px solid {c['border']}; border-radius: 4px; padding: 1px 6px; }}
    /* Radio buttons drawn with the theme's colours: Fusion's own outline and dot are nearly
       invisible on a dark background. */
    QRadioButton::indicator {{ width: 14px; height: 14px; border-radius: 9px;
        border: 2px solid {c['indicator']}; background: {c['base']}; }}
    QRadioButton::indicator:checked {{ border-color: {c['accent']};
        background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
        stop:0 {c['accent']}, stop:0.5 {c['accent']}, stop:0.62 {c['base']}, stop:1 {c['base']}); }}
    QRadioButton::indicator:disabled {{ border-color: {c['border']}; }}
    QRadioButton:disabled {{ color: {c['muted']}; }}
    """


def apply(app: QApplication, theme: str) -> str:
    """Apply ``light``, ``dark`` or ``system``; returns the resolved name."""
    global _current
    name = resolve(theme)
    _current = DARK if name == "dark" else LIGHT
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    app.setStyleSheet(_style_sheet(_current))
    return name


def muted_label(text: str = "") -> QLabel:
    """A word-wrapped hint in the theme's muted colour (the "Muted" style above)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("Muted")
    return label
