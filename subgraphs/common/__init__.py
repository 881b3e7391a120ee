"""The shared kernel: settings, database, auth, paging, money, errors and the app factory."""
