"""The newsletter: double opt-in sign-up, one-click unsubscribe, staff counts and the list, and
``pafinder newsletter send`` (issue 10, point 3)."""
