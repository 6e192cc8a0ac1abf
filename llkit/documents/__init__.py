"""Document layer: what each document says — its family of comparisons, key findings and
sections — and the action plan it follows up on.

May import data, statistics and presentation; never the applications that run it.
"""
