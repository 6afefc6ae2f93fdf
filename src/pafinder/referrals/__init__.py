"""referrals feature."""
