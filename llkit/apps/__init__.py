"""Application layer: rendering and batches, the server and dashboard, the e-learning
module and its exercises, the seminar notebooks and the plan editor.

May import every layer below; only :mod:`llkit.cli` imports it.
"""
