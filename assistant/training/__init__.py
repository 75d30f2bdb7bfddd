"""Learning legal relevance from the courts' own citations: the pairs (citations.py, pairs.py) and the
re-ranker trained on them (train.py). Run with `asylum-assistant train`."""
