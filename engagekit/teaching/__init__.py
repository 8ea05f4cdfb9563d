"""Teaching and study data: the sample client generator with a known truth, its scenarios, the
study worlds of another process, truth scoring and the lesson helpers. May use every stage; nothing
but the command line and the lesson uses it."""
