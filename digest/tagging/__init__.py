"""Tagging: sub-group rules, the vocabulary, the matcher, semantic suggestions, gaps and explanations."""
