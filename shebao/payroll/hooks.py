"""Steps that other apps run before a payroll run of a period starts.

The payroll sits below the benefits in the layers, so it cannot call them; an app above
registers its step here when Django starts (``AppConfig.ready``), and ``payroll_start``
runs every step, in its transaction, before it records a new run. The benefits app uses
this to process deaths recorded in the register (死亡登记) before anyone is paid for a
month after their death.
"""

from __future__ import annotations

from collections.abc import Callable

BeforeStart = Callable[..., object]  # step(*, period: int) -> anything

_BEFORE_START: dict[str, BeforeStart] = {}


def before_start(name: str, step: BeforeStart) -> None:
    """Register ``step`` under ``name`` (registering a name again replaces its step)."""
    _BEFORE_START[name] = step


def run_before_start(*, period: int) -> dict[str, object]:
    """Run every registered step in the order of registration; their results by name."""
    return {name: step(period=period) for name, step in list(_BEFORE_START.items())}
