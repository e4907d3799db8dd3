"""Where the zoo runs: threads, devices and the precision policy."""
