"""careguard: conversation-safety middleware for LLM chatbots.

The public API is exactly ``__all__``; everything else is private implementation
(a test keeps this list honest).
"""

from typing import TYPE_CHECKING, Any

from careguard.assessment import Assessment, Signal, TurnAssessment
from careguard.errors import CareguardError, InputError, PolicyError, ShapeError
from careguard.guard import Guard
from careguard.levels import LEVELS, Level
from careguard.policy import Policy, load_policy

if TYPE_CHECKING:
    from careguard.asgi import CareGuardMiddleware

__all__ = [
    "LEVELS",
    "Assessment",
    "CareGuardMiddleware",
    "CareguardError",
    "Guard",
    "InputError",
    "Level",
    "Policy",
    "PolicyError",
    "ShapeError",
    "Signal",
    "TurnAssessment",
    "load_policy",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # CareGuardMiddleware is imported on first use, keeping ``import careguard`` light.
    if name == "CareGuardMiddleware":
        from careguard.asgi import CareGuardMiddleware

        return CareGuardMiddleware
    raise AttributeError(f"module 'careguard' has no attribute {name!r}")
