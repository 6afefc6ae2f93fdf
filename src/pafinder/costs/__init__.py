"""The cost of employing a PA: a calculator at /employing-a-pa/cost-calculator (issue 14)."""
