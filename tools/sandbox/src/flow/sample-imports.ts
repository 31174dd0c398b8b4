/** Accession imports (`/v2/sample-imports`): one job per batch, RUNNING for a while, then its samples. */

/** One accession of a job, as sent. */
export interface ImportEntry {
  accession: string;
  sample_type: string;
  name?: string;
  organism?: string;
  metadata?: Record<string, string>;
}

export interface ImportJob {
  id: number;
  ownerId: string;
  created: number;
  entries: ImportEntry[];
  /** Set once the job has finished. */
  finished?: number;
  sampleIds: number[];
  error?: string;
}

/** Accessions the sandbox cannot fetch (the job fails): any ending in six zeros. */
export const UNFETCHABLE = /0{6}$/;
/** ENA/SRA/DDBJ run or experiment accessions. */
export const ACCESSION = /^[EDS]R[RX]\d{6,}$/;

/** Every import job of one sandbox. */
export class SampleImports {
  readonly jobs = new Map<number, ImportJob>();
  private next = 1;
  constructor(public runningMs: number) {}

  start(ownerId: string, entries: ImportEntry[], now = Date.now()): ImportJob {
    const job: ImportJob = { id: this.next++, ownerId, created: now, entries, sampleIds: [] };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Finishes a job whose time has come: `create` makes each sample and returns its id. */
  advance(job: ImportJob, create: (entry: ImportEntry) => number, now = Date.now()): ImportJob {
    if (job.finished !== undefined || now - job.created < this.runningMs) return job;
    job.finished = job.created + this.runningMs;
    const failing = job.entries.find((e) => UNFETCHABLE.test(e.accession));
    if (failing) job.error = `could not fetch ${failing.accession} from the archive`;
    else job.sampleIds = job.entries.map(create);
    return job;
  }

  /** The job as the API shows it (Unix seconds, as the server sends them). */
  view(job: ImportJob) {
    const seconds = (ms: number) => Math.floor(ms / 1000);
    return {
      id: job.id,
      status: job.finished === undefined ? "RUNNING" : job.error ? "FAILED" : "COMPLETED",
      created: seconds(job.created),
      started: seconds(job.created),
      finished: job.finished === undefined ? null : seconds(job.finished),
      accessions: job.entries.map((e) => e.accession),
      sample_ids: job.sampleIds,
      execution_id: null,
      error: job.error ?? null,
    };
  }
}
