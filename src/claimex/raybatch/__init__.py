"""The batch on a Ray cluster: the same articles, results, index and exit codes, run by Ray workers.

- `worker`: one Ray worker (an actor): one pipeline, one connection pool and its own cache, and
  the local batch's own per-article function (`Batch.process`) on as many articles at once as
  its share of `--concurrency`. It imports no Ray: Ray runs it.
- `engine`: a local Ray started for the run (and stopped after it, whatever happens) or a
  cluster joined; the workers started and checked; articles handed out as the local batch's
  walk of the folder yields them, outcomes handed back to the local batch's run, which writes
  the index, counts, and handles Ctrl-C exactly as it does with its own threads. A worker that
  dies (a node lost) is restarted by Ray, which runs its articles again.

Rule: this is the only package that imports `ray`, and only `engine` does, inside its functions
(`claimex[ray]` is an extra). It sits above `batch`, whose per-article function it runs as is,
and beside `clusters`: neither imports the other.
"""
