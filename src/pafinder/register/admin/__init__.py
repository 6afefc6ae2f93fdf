"""PA register management for staff (issue 9, point 7): every listing in any state, searchable
and paged; taking a published listing down with a reason emailed to the PA; internal notes; and
a listing's history built from the audit log."""
