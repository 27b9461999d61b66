"""Background jobs: long work (certificate issue and export, large merged downloads, the
coverage rebuild, the province XLSX) runs outside the web request, and any host shows its
progress.

The `job` row in the database is what everybody reads: status, progress, the result file
(a storage key) and who may see it; RQ on Redis only carries job ids to the workers. With
no REDIS_URL (one machine, the embedded default) a job runs in-process when it is
started, as RQ's synchronous queue would. A worker that dies mid-job leaves a `running`
row whose heartbeat stops: `requeue_stale` (run by every worker) puts it back in the
queue, and the job runs again from the start; job functions are written to be safe to
repeat (issue and export are idempotent)."""
