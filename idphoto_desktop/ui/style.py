"""One stylesheet for the whole window: calm greys, one blue primary action.

Widgets mark themselves with an ``objectName`` or a ``role`` property instead of
carrying their own colours, so the look can change in one place.
"""

from __future__ import annotations

ACCENT = "#1565c0"
ACCENT_DARK = "#0d47a1"
ERROR = "#b3261e"
WARNING = "#8a5300"

STYLESHEET = f"""
QMainWindow, QDialog {{ background: #f6f7f9; }}
QWidget#sidePanel {{ background: #ffffff; border-right: 1px solid #dde1e6; }}
QWidget#sideContent {{ background: #ffffff; }}
QWidget#actionPanel {{ background: #ffffff; border-top: 1px solid #e6e9ed; }}
QScrollArea#sideScroll {{ border: none; background: #ffffff; }}
QLabel#sectionTitle {{
    font-weight: 600; font-size: 11pt; color: #1f2328;
}}
QLabel#stepBadge {{
    background: {ACCENT}; color: white; border-radius: 10px; font-weight: 700;
    min-width: 20px; max-width: 20px; min-height: 20px; max-height: 20px;
}}
QLabel#appTitle {{ font-size: 14pt; font-weight: 700; color: #1f2328; }}
QLabel#viewCaption {{ font-weight: 600; color: #3d444d; }}
QLabel[role="hint"] {{ color: #59636e; }}
QLabel[role="details"] {{
    color: #3d444d; background: #f2f4f7; border: 1px solid #e1e5ea; border-radius: 6px;
    padding: 3px 6px;
}}
QLabel[role="warning"] {{ color: {WARNING}; }}
QLabel[role="error"] {{
    color: {ERROR}; background: #fdecea; border: 1px solid #f4c7c3; border-radius: 6px;
    padding: 8px;
}}
QLabel[role="info"] {{
    color: #1f4f2b; background: #e8f5e9; border: 1px solid #c8e6c9; border-radius: 6px;
    padding: 8px;
}}
QPushButton#generateButton {{
    background: {ACCENT}; color: white; font-size: 12pt; font-weight: 600;
    border: none; border-radius: 8px; padding: 10px 18px; min-height: 24px;
}}
QPushButton#generateButton:hover {{ background: {ACCENT_DARK}; }}
QPushButton#generateButton:focus {{ outline: none; border: 2px solid #90caf9; }}
QPushButton#generateButton:disabled {{ background: #9fb3c8; color: #eef2f6; }}
QPushButton#saveButton {{
    background: {ACCENT}; color: white; font-weight: 600; border: none; border-radius: 6px;
    padding: 6px 14px;
}}
QPushButton#saveButton:disabled {{ background: #c5ced8; color: #f2f4f7; }}
QProgressBar {{
    border: none; background: #e3e8ee; border-radius: 4px; height: 8px; text-align: center;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QTreeWidget#presetList {{ border: 1px solid #dde1e6; border-radius: 6px; }}
QLabel#dropOverlay {{
    background: rgba(21, 101, 192, 40); border: 3px dashed {ACCENT}; border-radius: 12px;
    color: {ACCENT_DARK}; font-size: 16pt; font-weight: 700;
}}
QLabel#photoInfo {{ color: #3d444d; }}
QLabel#resultStale {{
    color: {WARNING}; background: #fff4e5; border: 1px solid #f5d29a; border-radius: 6px;
    padding: 6px;
}}
"""
