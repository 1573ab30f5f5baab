"""The cyclic garbage collector, tuned for duban's long-running processes
(the web server's workers, the background worker).

CPython collects its youngest objects after every 700 allocations beyond
frees, and every tenth of those collections traverses the older generation
too. A province's ranking page makes some 50,000 short-lived objects (5,000
units, their rows and scores), so each of its requests set off several
collections that walked every object the application loaded at start:
100 ms of work became 120-200 ms (bench/README.md, "Issue 15, the
collector"). ``settle`` moves what is loaded by then into the permanent
generation (``gc.freeze``: never traversed again; with gunicorn's preloaded
app, called in the master before it forks, it also keeps those pages shared
between the workers) and collects the youngest generation after
``YOUNG`` allocations. A request's cycles are still collected, a little later.
"""

from __future__ import annotations

import gc

YOUNG = 50_000


def settle() -> None:
    """Once the application is loaded: freeze it, and collect less often."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
