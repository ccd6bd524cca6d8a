"""Progress bars with an ETA for management commands, fed by the same ``progress(percent, stage)`` callback
that job tasks report through, so a service reports progress once for both."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

PercentFn = Callable[..., None]


@contextmanager
def percent_bar(desc: str, *, verbosity: int = 1) -> Iterator[PercentFn]:
    """A 0-100 % bar on stderr (tqdm shows elapsed time and the ETA); silent at ``--verbosity 0``."""
    with tqdm(total=100, desc=desc, unit="%", file=sys.stderr, disable=verbosity == 0,
              bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f}% [{elapsed}<{remaining}{postfix}]") as bar:
        def progress(percent: float, stage: str | None = None) -> None:
            if stage:
                bar.set_postfix_str(stage, refresh=False)
            bar.update(max(0, min(100, int(percent)) - bar.n))

        yield progress
