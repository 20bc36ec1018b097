/**
 * What a long run shows: target, kernel, workload, sample k of n, elapsed and ETA — as text lines
 * on stderr for people, or NDJSON events on stdout for scripts (--json).
 */
export interface ProgressEvent {
  event: 'run-start' | 'build' | 'boot' | 'booted' | 'sample' | 'failure' | 'shutdown' | 'run-end' | 'note';
  target?: string;
  variant?: string;
  workload?: string;
  metric?: string;
  value?: number;
  unit?: string;
  /** Unit k of n across the whole plan. */
  step?: number;
  steps?: number;
  sample?: number;
  samples?: number;
  message?: string;
  /** Only on "build" events: the image build's own step, clock and ETA. */
  build?: BuildProgress;
  elapsedSeconds: number;
  /** Time left for the run's own work (boots and samples), never counting an image build. */
  etaSeconds: number | null;
}

/** Progress of building an image before a run (e.g. the Debian testbed: debootstrap, DKMS, packing). */
export interface BuildProgress {
  /** Step k of n; 0 before the first step. */
  step: number;
  steps: number;
  title: string;
  /** The kernel a per-kernel step (a DKMS build) is working on, else null. */
  kernel: string | null;
  elapsedSeconds: number;
  etaSeconds: number | null;
  message: string;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** ETA from the mean time per finished step; null until one step has finished. */
export function estimateRemainingSeconds(elapsedSeconds: number, stepsDone: number, stepsTotal: number): number | null {
  if (stepsDone <= 0) return null;
  return (elapsedSeconds / stepsDone) * Math.max(0, stepsTotal - stepsDone);
}

/** "[build 03:12 elapsed, ETA 04:10] <where> step 4/8: ..." */
export function formatBuildProgress(build: BuildProgress, where = ''): string {
  return `[build ${formatDuration(build.elapsedSeconds)} elapsed, ETA ${formatDuration(build.etaSeconds)}]${where ? ` ${where}` : ''} ${build.message}`;
}

export function formatProgressLine(event: ProgressEvent): string {
  const clock = `[${formatDuration(event.elapsedSeconds)} elapsed, ETA ${formatDuration(event.etaSeconds)}]`;
  // A target id such as "debian/custom" already names the kernel variant.
  const showVariant = event.variant !== undefined && !(event.target ?? '').endsWith(`/${event.variant}`);
  const where = [event.target, showVariant ? event.variant : undefined].filter(Boolean).join(' ');
  // Before the plan has steps (a gate building its images) there is no "k of n" to show.
  const step = event.step !== undefined && event.steps !== undefined && event.steps > 0 ? ` step ${event.step}/${event.steps}` : '';
  switch (event.event) {
    case 'build': {
      // The build's own clock: the run's has not started yet.
      if (event.build === undefined) return `${clock} build: ${event.message ?? ''}`;
      return formatBuildProgress(event.build, where);
    }
    case 'sample': {
      const k = event.sample !== undefined && event.samples !== undefined ? ` sample ${event.sample}/${event.samples}` : '';
      return `${clock} ${where} ${event.workload ?? ''}${k}${step}: ${event.message ?? ''}`;
    }
    default:
      return `${clock}${where ? ` ${where}` : ''}${step} ${event.event}: ${event.message ?? ''}`.replace(/\s+:/, ':');
  }
}

export class ProgressReporter {
  private readonly startedAt = Date.now();
  private workStartedAt = this.startedAt;
  private stepsDoneAtWorkStart = 0;
  stepsDone = 0;
  stepsTotal = 0;

  constructor(
    private readonly json: boolean,
    private readonly write: (line: string, toStdout: boolean) => void,
  ) {}

  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /**
   * The run's own work starts now (after images are built or found): the ETA is the time per
   * step since then, so neither an image build nor the steps a resumed run had already done
   * count as run time.
   */
  startWork(stepsAlreadyDone: number): void {
    this.workStartedAt = Date.now();
    this.stepsDoneAtWorkStart = stepsAlreadyDone;
  }

  emit(event: Omit<ProgressEvent, 'elapsedSeconds' | 'etaSeconds' | 'step' | 'steps'>): void {
    const elapsedSeconds = this.elapsedSeconds();
    const workSeconds = (Date.now() - this.workStartedAt) / 1000;
    const full: ProgressEvent = {
      ...event,
      step: this.stepsDone,
      steps: this.stepsTotal,
      elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
      etaSeconds:
        this.stepsTotal > 0 && this.stepsDone >= this.stepsTotal
          ? 0
          : estimateRemainingSeconds(workSeconds, this.stepsDone - this.stepsDoneAtWorkStart, this.stepsTotal - this.stepsDoneAtWorkStart),
    };
    if (this.json) this.write(JSON.stringify(full), true);
    else this.write(formatProgressLine(full), false);
  }
}
