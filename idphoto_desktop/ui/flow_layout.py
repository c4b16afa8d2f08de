"""A row of widgets that wraps onto a second line when the window is narrow.

Why: the tools under the result (guides, rectangle, zoom, copy, save, export, print)
need about 900 px in one row; at 1024 px with the History panel open the result
side has about 360. A wrapping row keeps every tool on screen without ever making
the window wider than the screen (Qt's classic flow-layout example, trimmed).
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget, QWidgetItem


class FlowLayout(QLayout):
    """Items left to right, wrapping; ``addStretch`` pushes what follows to the right edge
    of its line when there is room."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._breaks: set[int] = set()  # indexes after which the rest aligns right
        self._spacing = spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # ----- QLayout -----
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addWidget(self, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))
        self.invalidate()

    def addStretch(self) -> None:
        """What is added after this sits at the right end of its line."""
        self._breaks.add(len(self._items))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            return self._items.pop(index)
        return None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:
        width = sum(i.sizeHint().width() + self._spacing for i in self._visible())
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    # ----- placing -----
    def _visible(self) -> list[QLayoutItem]:
        shown: list[QLayoutItem] = []
        for item in self._items:
            widget = item.widget()
            if widget is None or not widget.isHidden():
                shown.append(item)
        return shown

    def _place(self, rect: QRect, *, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        lines: list[list[tuple[QLayoutItem, QSize, bool]]] = [[]]
        x = 0
        for index, item in enumerate(self._items):
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            right = index in self._breaks or any(b <= index for b in self._breaks)
            if lines[-1] and x + hint.width() > area.width():
                lines.append([])
                x = 0
            lines[-1].append((item, hint, right))
            x += hint.width() + self._spacing
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(h.height() for _, h, _ in line)
            if apply:
                left = [(i, h) for i, h, r in line if not r]
                rest = [(i, h) for i, h, r in line if r]
                cx = area.x()
                for item, hint in left:
                    item.setGeometry(QRect(QPoint(cx, y + (height - hint.height()) // 2), hint))
                    cx += hint.width() + self._spacing
                rest_w = sum(h.width() for _, h in rest) + self._spacing * max(0, len(rest) - 1)
                cx = max(cx, area.right() + 1 - rest_w)
                for item, hint in rest:
                    item.setGeometry(QRect(QPoint(cx, y + (height - hint.height()) // 2), hint))
                    cx += hint.width() + self._spacing
            y += height + self._spacing
        return y - self._spacing - area.y() + m.top() + m.bottom()
