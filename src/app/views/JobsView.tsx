import { useJobs, cancelJob, startJob } from '../../core/jobs/jobStore';
import { JobProgress } from '../../ui/JobProgress';
import { CheckpointList } from './CheckpointList';

export function JobsView() {
  const { jobs, order } = useJobs();
  return (
    <section className="view" data-testid="view-jobs">
      <h2>Jobs</h2>
      <p className="muted">Every long task runs in its own Web Worker. Progress, throughput and ETA update live; cancel stops at the next safe point and keeps partial results.</p>
      <div className="row">
        <button
          data-testid="runtime-check"
          onClick={() => startJob({ kind: 'runtime-check', title: 'Runtime check (matrix products in a worker)', params: { size: 128, repeats: 20 } })}
        >
          Run a runtime check job
        </button>
      </div>
      <table className="jobs" data-testid="jobs-table">
        <thead>
          <tr>
            <th>Job</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Seed</th>
            <th>Result / message</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {order.map((id) => {
            const j = jobs[id];
            return (
              <tr key={id} data-testid={`job-${j.kind}`} data-status={j.status}>
                <td>
                  {j.title}
                  <div className="muted small">{new Date(j.startedAt).toLocaleString()}{j.backend ? ` · backend ${j.backend}` : ''}</div>
                </td>
                <td className={`status ${j.status}`}>{j.status}</td>
                <td>{j.status === 'running' ? <JobProgress progress={j.progress} /> : `${Math.round(j.fraction * 100)}%`}</td>
                <td>{j.seed}</td>
                <td className="small">
                  {j.message && <div>{j.message}</div>}
                  {j.status === 'done' && j.result !== undefined && <code className="result">{JSON.stringify(j.result).slice(0, 300)}</code>}
                  {j.status !== 'done' && j.partial !== undefined && <div className="muted">partial: {JSON.stringify(j.partial).slice(0, 200)}</div>}
                  {j.logs.map((l, i) => (
                    <div key={i} className="muted">
                      {l}
                    </div>
                  ))}
                </td>
                <td>{j.status === 'running' && <button onClick={() => cancelJob(id)}>Cancel</button>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <CheckpointList />
    </section>
  );
}
