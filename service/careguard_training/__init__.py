"""careguard's research code: datasets, training and evaluation of the text judgements.

Not part of the runtime: the ``careguard`` package never imports this one (a test pins it),
and it is not installed into the wheel. Run its modules from the repository root, e.g.
``.venv/bin/python -m careguard_training.replies train``.
"""
