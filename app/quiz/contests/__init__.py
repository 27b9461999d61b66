"""Contests and rounds: draw rules, ranking and prizes, published results, item
statistics. Blueprint `contests`."""
