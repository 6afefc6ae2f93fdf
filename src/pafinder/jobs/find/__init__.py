"""Finding a job advert: /jobs with filters and counts, /jobs/{ref}, /api/jobs and a PA's reply."""
