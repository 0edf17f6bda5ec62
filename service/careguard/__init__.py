"""careguard: conversation-safety middleware for LLM chatbots.

The public API is exactly ``__all__``; everything else is private implementation
(a test keeps this list honest).
"""

from careguard.assessment import Assessment, Signal, TurnAssessment
from careguard.errors import CareguardError, InputError, PolicyError, ShapeError
from careguard.guard import Guard
from careguard.levels import LEVELS, Level
from careguard.policy import Policy, load_policy

__all__ = [
    "LEVELS",
    "Assessment",
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
