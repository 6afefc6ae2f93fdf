"""Open Referral UK: our services and published events as an ORUK (HSDS 3.0 UK profile) feed."""
