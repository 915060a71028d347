"""The Figure every picture is: a matplotlib Figure that shows itself in a notebook.

Pictures are made without pyplot (no global figure list to leak into, no display needed), so
a notebook that never imported pyplot has no inline backend to render them; ``_repr_png_``
lets IPython show them all the same.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class Picture(Figure):
    """A Figure with an image representation for notebooks."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()
