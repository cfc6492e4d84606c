"""Advice: the diagnosis, the plan, the choice of sections and their text, the charts, and the strict coverage checks."""
