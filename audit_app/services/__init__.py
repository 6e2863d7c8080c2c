"""Use cases. Each takes ``*, session``, flushes and never commits: the caller commits once."""
