"""Posting a job advert: question pages, email confirmation, the management link."""
