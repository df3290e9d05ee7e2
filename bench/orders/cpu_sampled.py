"""`python -m bench.orders.cpu_sampled <pyinstrument's arguments>`: pyinstrument on CPU time.

pyinstrument samples on wall-clock time by default, and SQLAlchemy's async drivers wait
inside greenlets, where the waiting is charged to the frame that waits: a database's
answer time then looks like the driver's CPU. Timed on the main thread's CPU clock
instead, each sample weighs what the process really spent there.
"""

from __future__ import annotations

import time

from pyinstrument.__main__ import main
from pyinstrument.stack_sampler import get_stack_sampler

if __name__ == "__main__":
    get_stack_sampler().timer_func = time.thread_time
    main()  # type: ignore[no-untyped-call]  # pyinstrument's CLI entry is unannotated
