"""The learned reply-safety judgement: is one sentence of an LLM's reply unsafe under
safe-messaging guidance (method or means, lethality, encouragement, concealment)?

:mod:`.judge` loads the shipped fine-tuned encoder (``careguard/data/replies/``, int8 ONNX)
and scores sentences. The
named rules stay in :mod:`careguard.output_checks`, which combines both. Training and
evaluation live in ``careguard_training.replies``, outside the runtime package.
"""

from careguard.replies.judge import CATEGORIES, FINDING_IDS, ReplyJudge, Verdict, shipped

__all__ = ["CATEGORIES", "FINDING_IDS", "ReplyJudge", "Verdict", "shipped"]
