"""Job adverts: employers post them, staff publish them, PAs find them and reply (issue 13)."""
