"""Alerts (issue 13, points 3, 4 and 6): job alerts for PAs, saved PA searches for employers,
both confirmed by email, sent daily by ``pafinder send-alerts`` through the outbox."""
